package io.warren.yamux;

import java.util.function.LongSupplier;

/**
 * Yamux session settings.
 *
 * @param initialWindow receive window per stream at open; the spec fixes 256 KiB
 * @param maxWindow upper bound of receive-window auto-tuning per stream
 * @param maxInboundStreams concurrent streams the peer may open; more are reset
 * @param maxAckBacklog our opened streams the peer has not acknowledged yet; more cannot be opened
 * @param measureRtt send a ping when the session starts (the RTT drives window auto-tuning)
 * @param nanoClock time source (tests replace it)
 * @param maxControlBacklog header-only frames we wrote (ping answers, window updates, ACKs, resets)
 *     that the connection has not sent yet; one more closes the session with a protocol error, so a
 *     peer that pings or opens streams without reading our answers cannot queue them without bound
 */
public record YamuxConfig(int initialWindow, int maxWindow, int maxInboundStreams, int maxAckBacklog,
    boolean measureRtt, LongSupplier nanoClock, int maxControlBacklog) {

  public static final int INITIAL_WINDOW = 256 * 1024;
  public static final int MAX_WINDOW_LIMIT = 16 * 1024 * 1024;

  public static final int DEFAULT_MAX_CONTROL_BACKLOG = 1024;

  public static final YamuxConfig DEFAULT = new YamuxConfig(INITIAL_WINDOW, MAX_WINDOW_LIMIT, 512, 256, true,
      System::nanoTime, DEFAULT_MAX_CONTROL_BACKLOG);

  public YamuxConfig {
    if (initialWindow != INITIAL_WINDOW) {
      // both sides assume 256 KiB at open (spec); a larger start would need a window update with SYN/ACK
      throw new IllegalArgumentException("yamux: initialWindow must be " + INITIAL_WINDOW);
    }
    if (maxWindow < initialWindow || maxWindow > MAX_WINDOW_LIMIT) {
      throw new IllegalArgumentException("yamux: maxWindow must be between " + initialWindow + " and "
          + MAX_WINDOW_LIMIT + ", got " + maxWindow);
    }
    if (maxInboundStreams < 1 || maxAckBacklog < 1) {
      throw new IllegalArgumentException("yamux: maxInboundStreams and maxAckBacklog must be positive");
    }
    if (maxControlBacklog < 16) {
      throw new IllegalArgumentException("yamux: maxControlBacklog must be at least 16, got " + maxControlBacklog);
    }
  }

  public YamuxConfig withMeasureRtt(boolean measure) {
    return new YamuxConfig(initialWindow, maxWindow, maxInboundStreams, maxAckBacklog, measure, nanoClock,
        maxControlBacklog);
  }

  public YamuxConfig withNanoClock(LongSupplier clock) {
    return new YamuxConfig(initialWindow, maxWindow, maxInboundStreams, maxAckBacklog, measureRtt, clock,
        maxControlBacklog);
  }

  public YamuxConfig withMaxWindow(int max) {
    return new YamuxConfig(initialWindow, max, maxInboundStreams, maxAckBacklog, measureRtt, nanoClock,
        maxControlBacklog);
  }

  public YamuxConfig withMaxControlBacklog(int max) {
    return new YamuxConfig(initialWindow, maxWindow, maxInboundStreams, maxAckBacklog, measureRtt, nanoClock, max);
  }

  public YamuxConfig withMaxInboundStreams(int max) {
    return new YamuxConfig(initialWindow, maxWindow, max, maxAckBacklog, measureRtt, nanoClock, maxControlBacklog);
  }
}
