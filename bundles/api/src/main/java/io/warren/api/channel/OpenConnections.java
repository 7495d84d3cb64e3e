package io.warren.api.channel;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections a listener holds open, capped: a listener calls {@link #admit} first thing in its
 * {@code initChannel}, and one connection over the cap is closed at accept.
 */
public final class OpenConnections {
  private final AtomicInteger open = new AtomicInteger();
  private final int max;

  public OpenConnections(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("a connection cap must be at least 1, got " + max);
    }
    this.max = max;
  }

  /** Counts {@code ch} until it closes; false, with {@code ch} closed, when {@code max} are open already. */
  public boolean admit(Channel ch) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      ch.close();
      return false;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }

  /** How many are open now. */
  public int open() {
    return open.get();
  }

  public int max() {
    return max;
  }
}
