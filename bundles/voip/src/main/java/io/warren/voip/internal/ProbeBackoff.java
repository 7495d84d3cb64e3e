package io.warren.voip.internal;

/**
 * How long the caller's node waits before the next probe for a direct media path while a call's
 * media is relayed: {@value #FIRST_MILLIS} ms at first, doubling after each probe that found no
 * better path, up to {@value #MAX_MILLIS} ms, and back to the first when the connections under the
 * media changed (the stream broke, or a probe came over another connection), so that many relayed
 * calls do not open a stream through the relay every second for their whole length. Not thread-safe:
 * the media's loop owns it.
 */
final class ProbeBackoff {
  static final long FIRST_MILLIS = 1000;
  static final long MAX_MILLIS = 30_000;

  private long next = FIRST_MILLIS;

  /** The delay before the next probe; each call doubles the one after (up to the cap). */
  long next() {
    long now = next;
    next = Math.min(MAX_MILLIS, next * 2);
    return now;
  }

  /** The connections changed: probe soon again. */
  void reset() {
    next = FIRST_MILLIS;
  }
}
