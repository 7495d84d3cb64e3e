package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import io.warren.voip.MediaStats;

/**
 * The counters of one direction of a call's overlay media at this node: what arrived (packets,
 * bytes, RTP loss and jitter) and what was dropped, and why; and what the receiving endpoint
 * reported of this direction in RTCP (the blocks about the SSRC seen here, or any before one is), and
 * the round trip to that endpoint when this direction's sender sends SRs (see {@link RoundTrip}). Touched from the UDP channel's loop
 * and the media stream's loop, so every method holds the lock (a few hundred packets a second).
 */
final class Flow {
  private long packets;
  private long bytes;
  private long droppedStranger;
  private long droppedCap;
  private long droppedLate;
  private long droppedUnlatched;
  private final RtpLoss loss = new RtpLoss();
  private Jitter jitter = new Jitter(8000);
  private int clockRate = 8000;
  private long ssrc = -1;
  private long reports;
  private long reportedLost;
  private long reportedJitter;
  private final RoundTrip roundTrip = new RoundTrip();

  synchronized void clockRate(int rate) {
    jitter = new Jitter(rate);
    clockRate = rate;
  }

  /** Takes the blocks of an RTCP packet from the endpoint that receives this direction. */
  synchronized void reported(java.util.List<RtcpReports.Block> blocks) {
    reported(blocks, Long.MIN_VALUE);
  }

  /**
   * Takes the blocks of an RTCP packet from the endpoint that receives this direction, arrived at
   * {@code nanos}: those echoing an SR this node forwarded give the round trip.
   */
  synchronized void reported(java.util.List<RtcpReports.Block> blocks, long nanos) {
    for (RtcpReports.Block b : blocks) {
      if (ssrc < 0 || b.source() == ssrc) {
        reports++;
        reportedLost = b.cumulativeLost();
        reportedJitter = b.jitter();
      }
      if (nanos != Long.MIN_VALUE) {
        roundTrip.report(b.source(), b.lsr(), b.dlsr(), nanos);
      }
    }
  }

  /** Remembers the SRs of an RTCP packet from this direction's sending endpoint, forwarded at {@code nanos}. */
  synchronized void senderReports(java.util.List<RtcpReports.SenderReport> srs, long nanos) {
    for (RtcpReports.SenderReport sr : srs) {
      roundTrip.senderReport(sr.ssrc(), sr.ntpMiddle(), nanos);
    }
  }

  /** Counts a packet of {@code kind} that arrived at {@code nanos}; RTP feeds loss and jitter. */
  synchronized void arrived(int kind, ByteBuf data, long nanos) {
    int n = data.readableBytes();
    packets++;
    bytes += n;
    if (kind == MediaFrames.RTP && RtpLoss.isRtp(data.getByte(data.readerIndex()), n)) {
      loss.add(data.getUnsignedShort(data.readerIndex() + 2));
      ssrc = data.getUnsignedInt(data.readerIndex() + 8);
      jitter.add(data.getUnsignedInt(data.readerIndex() + 4), nanos);
    }
  }

  synchronized void stranger() {
    droppedStranger++;
  }

  synchronized void overCap() {
    droppedCap++;
  }

  synchronized void late() {
    droppedLate++;
  }

  synchronized void unlatched() {
    droppedUnlatched++;
  }

  synchronized MediaStats stats() {
    return new MediaStats(packets, bytes, loss.lost(), jitter.millis(), droppedStranger, droppedCap, droppedLate,
        droppedUnlatched, reports, reportedLost, reportedJitter * 1000.0 / clockRate, roundTrip.lastMillis(),
        roundTrip.smoothedMillis());
  }
}
