package io.warren.yamux;

/**
 * Flow control of one stream, both directions. Sending: bytes the peer still accepts. Receiving:
 * the spec's 256 KiB window at open; window is granted back in batches of half a window as the
 * stream's channel delivers data, and if a whole half-window was consumed within four round trips
 * the window doubles, up to {@link YamuxConfig#maxWindow()}, so a fast reader on a long fat link
 * is not capped while a slow reader keeps a small window. Event loop only.
 */
final class StreamWindow {
  static final long MAX_UINT32 = 0xFFFFFFFFL;

  /** Bytes we may send before the peer grants more. */
  long send = YamuxConfig.INITIAL_WINDOW;
  /** Current receive window size (grows with auto-tuning). */
  long receive = YamuxConfig.INITIAL_WINDOW;
  /** Bytes the peer may still send us. */
  long credit = YamuxConfig.INITIAL_WINDOW;
  /** Delivered bytes not yet granted back. */
  private long unacked;
  private boolean epochStarted;
  private long epochStart;

  /** Whether a window update of {@code delta} keeps the send window within 2^32-1. */
  boolean fits(long delta) {
    return send + delta <= MAX_UINT32;
  }

  /** Takes {@code n} received bytes off the credit; false if the peer sent more than it was granted. */
  boolean receive(long n) {
    if (n > credit) {
      return false;
    }
    credit -= n;
    return true;
  }

  /**
   * {@code n} bytes were delivered (or discarded). Returns the window update to send now (0: none
   * yet). {@code grant} false only counts them (the stream ended, nothing more will be sent);
   * {@code mayGrow} false keeps the window size.
   */
  long consumed(long n, boolean grant, boolean mayGrow, long now, long rttNanos, int maxWindow) {
    unacked += n;
    if (!grant || unacked < receive / 2) {
      return 0;
    }
    long grow = 0;
    if (epochStarted && rttNanos >= 0 && now - epochStart <= 4 * rttNanos && receive < maxWindow && mayGrow) {
      long bigger = Math.min(receive * 2, maxWindow);
      grow = bigger - receive;
      receive = bigger;
    }
    epochStarted = true;
    epochStart = now;
    long delta = unacked + grow;
    unacked = 0;
    credit += delta;
    return delta;
  }
}
