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

  /** An SR from {@code ssrc} with NTP timestamp {@code ntp} and one report block with LSR and DLSR about {@code about}. */
  private static ByteBuf sr(long ssrc, long ntp, long about, long lsr, long dlsr) {
    ByteBuf b = Unpooled.buffer();
    b.writeByte(0x81).writeByte(RtcpReports.SR).writeShort(12).writeInt((int) ssrc);
    b.writeLong(ntp).writeInt(160).writeInt(50).writeInt(8600);
    b.writeInt((int) about).writeByte(0).writeMedium(0).writeInt(1).writeInt(0).writeInt((int) lsr)
        .writeInt((int) dlsr);
    return b;
  }

  @Test
  void anSrGivesItsMiddleNtpBitsAndBlocksTheirLsrAndDlsr() {
    ByteBuf b = sr(SOURCE, 0x1122334455667788L, 7, 0xFFFF_FFFEL, 0x8000_0001L);
    assertEquals(List.of(new RtcpReports.SenderReport(SOURCE, 0x33445566L)), RtcpReports.senderReports(b));
    assertEquals(List.of(new RtcpReports.Block(SOURCE, 7, 0, 0, 1, 0, 0xFFFF_FFFEL, 0x8000_0001L)),
        RtcpReports.parse(b), "LSR and DLSR unsigned, the top bit set");
    assertTrue(RtcpReports.senderReports(rr(0)).isEmpty(), "an RR has no sender info");
    ByteBuf cut = sr(SOURCE, 1, 7, 1, 1);
    cut.writerIndex(20);
    assertTrue(RtcpReports.senderReports(cut).isEmpty(), "an SR cut inside its sender info");
    assertTrue(RtcpReports.parse(cut).isEmpty());
  }

  private static final long MS = 1_000_000L;

  @Test
  void theRoundTripIsNowMinusWhenTheSrWentMinusTheHoldingTime() {
    Flow f = new Flow();
    assertTrue(Double.isNaN(f.stats().rttMillis()), "unknown before any SR");
    long ntp = 0xAAAA_1234_5678_BBBBL; // middle bits 0x12345678
    f.senderReports(RtcpReports.senderReports(sr(SOURCE, ntp, 9, 0, 0)), 1_000 * MS);
    // the far endpoint held the SR 0.5 s (32768/65536) and its report reached the node 540 ms after the SR left
    f.reported(RtcpReports.parse(reportAbout(SOURCE, 0x12345678L, 32768)), 1_540 * MS);
    MediaStats s = f.stats();
    assertEquals(40.0, s.rttMillis(), 1e-9);
    assertEquals(40.0, s.rttSmoothedMillis(), 1e-9, "the first sample is the smoothed value");
    f.senderReports(RtcpReports.senderReports(sr(SOURCE, 0x0000_FFFF_FFFF_0000L, 9, 0, 0)), 2_000 * MS);
    f.reported(RtcpReports.parse(reportAbout(SOURCE, 0xFFFF_FFFFL, 65536)), 3_120 * MS); // held 1 s
    s = f.stats();
    assertEquals(120.0, s.rttMillis(), 1e-9, "an LSR with the top bit set (NTP seconds wrap into it)");
    assertEquals(50.0, s.rttSmoothedMillis(), 1e-9, "40 + (120 - 40) / 8");
  }

  @Test
  void reportsThatEchoNoSrThisNodeForwardedAreIgnored() {
    Flow f = new Flow();
    f.senderReports(RtcpReports.senderReports(sr(SOURCE, 0x0000_0001_0002_0000L, 9, 0, 0)), 0);
    f.reported(RtcpReports.parse(reportAbout(SOURCE, 0x00010003L, 0)), 10 * MS); // unknown LSR
    f.reported(RtcpReports.parse(reportAbout(SOURCE, 0, 0)), 10 * MS); // LSR 0: the reporter had no SR yet
    f.reported(RtcpReports.parse(reportAbout(99, 0x00010002L, 0)), 10 * MS); // another stream
    f.reported(RtcpReports.parse(reportAbout(SOURCE, 0x00010002L, 65536)), 10 * MS); // held longer than the trip
    ByteBuf broken = reportAbout(SOURCE, 0x00010002L, 0);
    broken.setShort(2, 40);
    f.reported(RtcpReports.parse(broken), 10 * MS);
    f.reported(RtcpReports.parse(Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, (byte) 201})), 10 * MS);
    f.senderReports(RtcpReports.senderReports(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 200, 0, 6})),
        0);
    assertTrue(Double.isNaN(f.stats().rttMillis()), "no sample: " + f.stats());
    f.reported(RtcpReports.parse(reportAbout(SOURCE, 0x00010002L, 0)), 10 * MS);
    assertEquals(10.0, f.stats().rttMillis(), 1e-9, "the SR is still remembered");
  }

  @Test
  void onlyTheLatestSrsAreRemembered() {
    RoundTrip r = new RoundTrip();
    for (int i = 1; i <= RoundTrip.REMEMBERED + 1; i++) {
      r.senderReport(SOURCE, i, i * MS);
    }
    r.report(SOURCE, 1, 0, 100 * MS);
    assertTrue(Double.isNaN(r.lastMillis()), "the oldest was let go");
    r.report(SOURCE, 2, 0, 100 * MS);
    assertEquals(98.0, r.lastMillis(), 1e-9);
    r.senderReport(7, 50, 200 * MS);
    r.report(SOURCE, 3, 0, 300 * MS);
    assertEquals(98.0, r.lastMillis(), 1e-9, "a new SSRC: the old stream's SRs are gone");
  }

  /** An RR with one block about {@code source} echoing {@code lsr}, held {@code dlsr}/65536 s. */
  private static ByteBuf reportAbout(long source, long lsr, long dlsr) {
    ByteBuf b = rr(1);
    b.writeInt((int) source).writeByte(0).writeMedium(0).writeInt(1).writeInt(0).writeInt((int) lsr)
        .writeInt((int) dlsr);
    return b;
  }
}
