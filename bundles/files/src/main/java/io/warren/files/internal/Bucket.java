package io.warren.files.internal;

/** A byte rate shared by every outgoing transfer: a token bucket holding at most one second of bytes. */
final class Bucket implements Sender.Limit {
  private final long rate;
  private double tokens;
  private long last = System.nanoTime();

  /** {@code bytesPerSecond} 0: no limit. */
  Bucket(long bytesPerSecond) {
    this.rate = bytesPerSecond;
    this.tokens = bytesPerSecond;
  }

  @Override
  public void take(long bytes) throws InterruptedException {
    if (rate <= 0) {
      return;
    }
    long waitNanos;
    synchronized (this) {
      long now = System.nanoTime();
      tokens = Math.min(rate, tokens + (now - last) * (double) rate / 1e9);
      last = now;
      tokens -= bytes;
      waitNanos = tokens < 0 ? (long) (-tokens * 1e9 / rate) : 0;
    }
    if (waitNanos > 0) {
      Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
    }
  }
}
