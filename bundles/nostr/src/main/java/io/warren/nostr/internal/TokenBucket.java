package io.warren.nostr.internal;

/**
 * A rate limit: {@code ratePerSecond} tokens a second, holding at most one second's worth, so a
 * burst of that size passes and a steady flood is cut to the rate. Not thread-safe: one per
 * connection, used on its event loop.
 */
final class TokenBucket {
  private final double rate;
  private double tokens;
  private long last;

  TokenBucket(int ratePerSecond, long nowNanos) {
    this.rate = ratePerSecond;
    this.tokens = ratePerSecond;
    this.last = nowNanos;
  }

  boolean tryTake(long nowNanos) {
    tokens = Math.min(rate, tokens + (nowNanos - last) * rate / 1e9);
    last = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
