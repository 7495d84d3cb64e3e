package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.warren.voip.MediaStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RTCP compound packets built by hand after RFC 3550 6.4, good and broken, and what a flow makes of them. */
class RtcpReportsTest {
  private static final long REPORTER = 0xCAFEBABEL;
  private static final long SOURCE = 0x01020304L;

  /** A report block about {@code source}: fraction, cumulative lost (24 bits), highest seq, jitter, LSR, DLSR. */
  private static void block(ByteBuf b, long source, int fraction, int lost, long highest, long jitter) {
    b.writeInt((int) source).writeByte(fraction).writeMedium(lost).writeInt((int) highest).writeInt((int) jitter)
        .writeInt(0).writeInt(0);
  }

  private static ByteBuf rr(int blocks) {
    ByteBuf b = Unpooled.buffer();
    b.writeByte(0x80 | blocks).writeByte(RtcpReports.RR).writeShort(1 + 6 * blocks).writeInt((int) REPORTER);
    return b;
  }

  /** An SDES with one CNAME item of 6 bytes ("phone1"), padded to 32 bits: 4 + 4 + 2 + 6 + 0 (+ end, pad) = 20. */
  private static void sdes(ByteBuf b, boolean padBit) {
    b.writeByte((padBit ? 0xA0 : 0x80) | 1).writeByte(202).writeShort(4).writeInt((int) REPORTER).writeByte(1)
        .writeByte(6).writeBytes("phone1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).writeInt(0);
  }

  @Test
  void aReceiverReportWithTwoBlocksAndAnSdesAfterIt() {
    ByteBuf b = rr(2);
    block(b, SOURCE, 64, 12, 0x1_0005L, 80);
    block(b, 7, 0, -2, 9, 0);
    sdes(b, false);
    List<RtcpReports.Block> blocks = RtcpReports.parse(b);
    assertEquals(List.of(new RtcpReports.Block(REPORTER, SOURCE, 64, 12, 0x1_0005L, 80),
        new RtcpReports.Block(REPORTER, 7, 0, -2, 9, 0)), blocks,
        "a negative cumulative loss (duplicates) stays signed");
    assertEquals(0, b.readerIndex(), "the datagram is left to be carried as it is");
  }

  @Test
  void aSenderReportsBlocksComeAfterItsSenderInfo() {
    ByteBuf b = Unpooled.buffer();
    b.writeByte(0x81).writeByte(RtcpReports.SR).writeShort(12).writeInt((int) REPORTER);
    b.writeLong(0x1122334455667788L).writeInt(160).writeInt(50).writeInt(8600); // NTP, RTP time, packets, octets
    block(b, SOURCE, 0, 3, 100, 16);
    assertEquals(List.of(new RtcpReports.Block(REPORTER, SOURCE, 0, 3, 100, 16)), RtcpReports.parse(b));
  }

  @Test
  void brokenCompoundsYieldNothing() {
    ByteBuf sdesFirst = Unpooled.buffer();
    sdes(sdesFirst, false);
    assertTrue(RtcpReports.parse(sdesFirst).isEmpty(), "a compound must start with SR or RR");
    ByteBuf tooLong = rr(1);
    block(tooLong, SOURCE, 0, 1, 1, 1);
    tooLong.setShort(2, 50);
    assertTrue(RtcpReports.parse(tooLong).isEmpty(), "a length past the datagram");
    ByteBuf tooManyBlocks = rr(1);
    block(tooManyBlocks, SOURCE, 0, 1, 1, 1);
    tooManyBlocks.setByte(0, 0x83);
    assertTrue(RtcpReports.parse(tooManyBlocks).isEmpty(), "three blocks announced in room for one");
    ByteBuf version1 = rr(1);
    block(version1, SOURCE, 0, 1, 1, 1);
    version1.setByte(0, 0x41);
    assertTrue(RtcpReports.parse(version1).isEmpty(), "version 1");
    ByteBuf paddedInTheMiddle = rr(0);
    sdes(paddedInTheMiddle, true);
    ByteBuf second = rr(1);
    block(second, SOURCE, 0, 1, 1, 1);
    paddedInTheMiddle.writeBytes(second);
    assertTrue(RtcpReports.parse(paddedInTheMiddle).isEmpty(), "only the last packet may be padded");
    ByteBuf cut = rr(1);
    block(cut, SOURCE, 0, 1, 1, 1);
    cut.writeByte(0x80);
    assertTrue(RtcpReports.parse(cut).isEmpty(), "a stray byte after the last packet");
    assertTrue(RtcpReports.parse(Unpooled.buffer()).isEmpty());
  }

  @Test
  void aFlowTakesTheBlocksAboutItsOwnStreamInMillisecondsAtTheCodecsClock() {
    Flow f = new Flow();
    f.clockRate(8000);
    assertEquals(0, f.stats().reports(), "no report yet");
    ByteBuf rtp = Unpooled.buffer().writeByte(0x80).writeByte(0).writeShort(1).writeInt(160).writeInt((int) SOURCE)
        .writeZero(160);
    f.arrived(MediaFrames.RTP, rtp, 0);
    f.reported(List.of(new RtcpReports.Block(REPORTER, 99, 0, 50, 1, 800))); // about another stream
    assertEquals(0, f.stats().reports());
    f.reported(List.of(new RtcpReports.Block(REPORTER, SOURCE, 25, 4, 1, 40)));
    MediaStats s = f.stats();
    assertEquals(1, s.reports());
    assertEquals(4, s.reportedLost());
    assertEquals(5.0, s.reportedJitterMillis(), 1e-9, "40 units at 8000 Hz");
  }
}
