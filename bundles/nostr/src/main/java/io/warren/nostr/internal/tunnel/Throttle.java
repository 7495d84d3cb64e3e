package io.warren.nostr.internal.tunnel;

import io.warren.api.channel.Pacer;

/**
 * A byte rate shared by all tunnels of one device: {@link #delayNanos} says how long the caller
 * should wait before reading more, so a device's tunnels together stay near the rate. Thread-safe.
 */
public final class Throttle implements Pacer {
  private final double bytesPerSecond;
  private double tokens;
  private long last = System.nanoTime();

  /** @param bytesPerSecond the rate; the burst allowed is one second's worth */
  public Throttle(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive");
    }
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = bytesPerSecond;
  }

  /** Takes {@code n} bytes; returns how long to wait (0: go on). */
  @Override
  public synchronized long delayNanos(long n) {
    long now = System.nanoTime();
    tokens = Math.min(bytesPerSecond, tokens + (now - last) * bytesPerSecond / 1e9);
    last = now;
    tokens -= n;
    return tokens >= 0 ? 0 : (long) (-tokens / bytesPerSecond * 1e9);
  }
}
