package io.warren.voip.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The round trip from this node to the far endpoint and back, after RFC 3550 6.4.1: when this
 * node forwards an SR from its endpoint it remembers the SR's middle 32 NTP bits (what a report
 * about it echoes as LSR) with the node's monotonic time; when a report block about that SSRC comes
 * back with that LSR, the round trip is now, minus then, minus the far endpoint's holding time
 * (DLSR, in 1/65536 s). Keeps the latest sample and a smoothed one (gain 1/8, as RFC 6298 smooths
 * TCP's). Not thread-safe: its {@link Flow} holds the lock.
 */
final class RoundTrip {
  /** SRs remembered: endpoints send one every few seconds, and a report echoes the latest it had. */
  static final int REMEMBERED = 16;

  private final Map<Long, Long> sent = new LinkedHashMap<>(REMEMBERED * 2, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
      return size() > REMEMBERED;
    }
  };
  private long ssrc = -1;
  private double lastMillis = Double.NaN;
  private double smoothedMillis = Double.NaN;

  /** Remembers an SR of {@code ssrc} with NTP middle bits {@code ntpMiddle} forwarded at {@code nanos}. */
  void senderReport(long ssrc, long ntpMiddle, long nanos) {
    if (ssrc != this.ssrc) {
      sent.clear(); // a new stream (SSRC): the earlier one's LSRs no longer come back
      this.ssrc = ssrc;
    }
    sent.putIfAbsent(ntpMiddle, nanos);
  }

  /**
   * Takes a report block about {@code source} that arrived at {@code nanos}; a sample when its LSR
   * is one this node forwarded (LSR 0 means the reporter had no SR yet) and the result is not negative.
   */
  void report(long source, long lsr, long dlsr, long nanos) {
    if (source != ssrc || lsr == 0) {
      return;
    }
    Long then = sent.get(lsr);
    if (then == null) {
      return;
    }
    double millis = (nanos - then) / 1e6 - dlsr * 1000.0 / 65536;
    if (millis < 0) {
      return; // the far side held it longer than the whole trip took: not a measurement
    }
    lastMillis = millis;
    smoothedMillis = Double.isNaN(smoothedMillis) ? millis : smoothedMillis + (millis - smoothedMillis) / 8;
  }

  /** The latest round trip in milliseconds; NaN while unknown. */
  double lastMillis() {
    return lastMillis;
  }

  /** The smoothed round trip in milliseconds; NaN while unknown. */
  double smoothedMillis() {
    return smoothedMillis;
  }
}
