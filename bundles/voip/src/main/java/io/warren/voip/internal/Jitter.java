package io.warren.voip.internal;

/**
 * RFC 3550's interarrival jitter (section 6.4.1, A.8) of one RTP stream, measured where the packets
 * arrive: D = (R_j - R_i) - (S_j - S_i) in timestamp units between consecutive packets, and
 * J += (|D| - J) / 16. Arrival times are read in nanoseconds and turned into the codec's clock.
 * Not thread-safe: its owner serialises calls.
 */
final class Jitter {
  private final int clockRate;
  private boolean started;
  private long baseNanos;
  private long lastTransit;
  private double jitter;

  Jitter(int clockRate) {
    if (clockRate < 1) {
      throw new IllegalArgumentException("clock rate must be positive, got " + clockRate);
    }
    this.clockRate = clockRate;
  }

  /** A packet with RTP timestamp {@code rtpTimestamp} (unsigned 32 bits) arrived at {@code arrivalNanos}. */
  void add(long rtpTimestamp, long arrivalNanos) {
    if (!started) {
      baseNanos = arrivalNanos;
    }
    long arrival = Math.round((arrivalNanos - baseNanos) * (clockRate / 1e9));
    // the transit time in timestamp units, modulo 2^32 as RTP timestamps wrap
    long transit = (arrival - (rtpTimestamp & 0xFFFFFFFFL)) & 0xFFFFFFFFL;
    if (started) {
      int d = (int) (transit - lastTransit); // signed difference, wrap-safe
      jitter += (Math.abs((long) d) - jitter) / 16.0;
    }
    started = true;
    lastTransit = transit;
  }

  /** The estimate in timestamp units. */
  double units() {
    return jitter;
  }

  /** The estimate in milliseconds. */
  double millis() {
    return jitter * 1000.0 / clockRate;
  }
}
