package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Latching, strangers, the rate cap, loss and idleness of one session, its legs on embedded channels. */
class RelaySessionTest {
  private static final InetSocketAddress PHONE_A = new InetSocketAddress("127.0.0.1", 5000);
  private static final InetSocketAddress PHONE_B = new InetSocketAddress("127.0.0.1", 6000);
  private static final InetSocketAddress STRANGER = new InetSocketAddress("127.0.0.1", 5002);
  private static final InetSocketAddress RELAY = new InetSocketAddress("127.0.0.1", 40000);
  private long now = 1_000_000_000L;
  private final RelayTotals totals = new RelayTotals();
  private RelaySession s;
  private EmbeddedChannel[][] ch;

  @BeforeEach
  void open() {
    wire(new RelaySession("0123456789abcdef", null, null, 50, () -> now, totals));
  }

  /** Makes {@code session} the one under test, its legs on embedded channels. */
  private void wire(RelaySession session) {
    s = session;
    ch = new EmbeddedChannel[2][2];
    RelaySession.Leg[] legs = {s.a, s.b};
    for (int l = 0; l < 2; l++) {
      for (int k = 0; k < 2; k++) {
        ch[l][k] = new EmbeddedChannel(legs[l].handler(k));
        legs[l].channels[k] = ch[l][k];
      }
    }
  }

  @AfterEach
  void close() {
    for (EmbeddedChannel[] l : ch) {
      for (EmbeddedChannel c : l) {
        c.finishAndReleaseAll();
      }
    }
  }

  private static ByteBuf rtp(int seq) {
    ByteBuf b = Unpooled.buffer(172);
    b.writeByte(0x80).writeByte(0).writeShort(seq).writeInt(seq * 160).writeInt(0x11223344);
    b.writeZero(160);
    return b;
  }

  private void send(int leg, int kind, InetSocketAddress from, ByteBuf data) {
    ch[leg][kind].writeInbound(new DatagramPacket(data, RELAY, from));
  }

  private DatagramPacket out(int leg, int kind) {
    return ch[leg][kind].readOutbound();
  }

  /** Phone A sends RTP {@code from} to {@code to} (exclusive) on leg a; how many B got. */
  private int aSends(int from, int to) {
    int forwarded = 0;
    for (int seq = from; seq < to; seq++) {
      send(0, RelaySession.RTP, PHONE_A, rtp(seq));
      DatagramPacket p = out(1, RelaySession.RTP);
      if (p != null) {
        forwarded++;
        p.release();
      }
    }
    return forwarded;
  }

  @Test
  void latchesBothSidesAndForwardsUnchangedEachWay() {
    send(0, RelaySession.RTP, PHONE_A, rtp(1));
    assertNull(out(1, RelaySession.RTP), "b has not latched: nowhere to send");
    assertEquals(1, s.a.droppedUnlatched);
    send(1, RelaySession.RTP, PHONE_B, rtp(7));
    DatagramPacket toA = out(0, RelaySession.RTP);
    assertEquals(PHONE_A, toA.recipient());
    assertEquals(rtp(7), toA.content());
    toA.release();
    send(0, RelaySession.RTP, PHONE_A, rtp(2));
    DatagramPacket toB = out(1, RelaySession.RTP);
    assertEquals(PHONE_B, toB.recipient());
    assertEquals(rtp(2), toB.content());
    toB.release();
    assertEquals(2, s.a.packets);
    assertEquals(1, s.a.forwarded);
    assertEquals(172, s.a.forwardedBytes);
    assertEquals("127.0.0.1:5000", s.a.stats().latched());
  }

  @Test
  void rtcpLatchesOnItsOwn() {
    send(0, RelaySession.RTCP, new InetSocketAddress("127.0.0.1", 5001), Unpooled.wrappedBuffer(new byte[] {1}));
    send(1, RelaySession.RTCP, new InetSocketAddress("127.0.0.1", 6001), Unpooled.wrappedBuffer(new byte[] {2}));
    DatagramPacket p = out(0, RelaySession.RTCP);
    assertEquals(new InetSocketAddress("127.0.0.1", 5001), p.recipient());
    p.release();
    assertNull(s.a.latched[RelaySession.RTP], "RTCP does not latch the RTP channel");
    assertNull(out(0, RelaySession.RTP));
  }

  @Test
  void aStrangerAfterLatchingIsDropped() {
    send(1, RelaySession.RTP, PHONE_B, rtp(1));
    send(0, RelaySession.RTP, PHONE_A, rtp(1));
    out(1, RelaySession.RTP).release();
    send(0, RelaySession.RTP, STRANGER, rtp(2));
    assertNull(out(1, RelaySession.RTP));
    assertEquals(1, s.a.droppedStranger);
    assertEquals(1, totals.droppedStranger.sum());
    assertEquals(PHONE_A, s.a.latched[RelaySession.RTP], "the latch stays on the first sender");
    send(0, RelaySession.RTP, PHONE_A, rtp(2));
    out(1, RelaySession.RTP).release();
  }

  @Test
  void packetsOverTheRateCapAreDroppedUntilTheNextSecond() {
    send(1, RelaySession.RTP, PHONE_B, rtp(1));
    assertEquals(50, aSends(0, 80));
    assertEquals(30, s.a.droppedRate);
    now += 1_000_000_000L;
    send(0, RelaySession.RTP, PHONE_A, rtp(80));
    out(1, RelaySession.RTP).release();
    assertEquals(0, s.a.loss.lost(), "rate drops are the relay's, not the path's");
  }

  @Test
  void aDeviceLegsByteCapDropsWhatGoesOverItAndRefillsWithTime() {
    // 64 kbit/s = 8000 bytes/s, a burst of at least 4096 bytes: 23 packets of 172 bytes, then drops
    close();
    wire(new RelaySession("0123456789abcdef", null, null, 1000, 8000, () -> now, totals));
    send(1, RelaySession.RTP, PHONE_B, rtp(1));
    assertEquals(4096 / 172, aSends(0, 40));
    assertEquals(40 - 4096 / 172, s.a.droppedRate);
    now += 500_000_000L; // half a second: 4000 bytes more, up to the burst again
    assertEquals(4096 / 172, aSends(40, 80));
  }

  @Test
  void lossComesFromSequenceGaps() {
    send(1, RelaySession.RTP, PHONE_B, rtp(1));
    for (int seq = 10; seq < 30; seq++) {
      if (seq != 15 && seq != 16) {
        send(0, RelaySession.RTP, PHONE_A, rtp(seq));
        out(1, RelaySession.RTP).release();
      }
    }
    assertEquals(2, s.a.stats().lost());
    assertEquals(18, s.a.stats().forwarded());
  }

  @Test
  void idleUntilMediaFlowsAndAfterItStops() {
    long idle = 5_000_000_000L;
    now += idle - 1;
    assertFalse(s.idle(idle));
    send(0, RelaySession.RTP, PHONE_A, rtp(1));
    now += 1;
    assertTrue(s.idle(idle), "a packet with nowhere to go keeps nothing alive");
    send(1, RelaySession.RTP, PHONE_B, rtp(1));
    out(0, RelaySession.RTP).release();
    assertFalse(s.idle(idle));
    now += idle;
    assertTrue(s.idle(idle));
  }
}
