package io.warren.libp2p.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The time limit of a negotiation (multistream-select, the Noise handshake) on one channel: started
 * once, when the handler is both added and active, and cancelled when the negotiation ends either
 * way. Used on the channel's event loop only.
 */
public final class Deadline {
  private final Duration timeout;
  private boolean started;
  private ScheduledFuture<?> timer;

  /** {@code timeout} null or zero: no limit. */
  public Deadline(Duration timeout) {
    this.timeout = timeout;
  }

  /**
   * Starts the clock: {@code onExpiry} runs on the event loop when it runs out. Returns false, doing
   * nothing, when it was started before (handlerAdded on an active channel, then channelActive).
   */
  public boolean start(ChannelHandlerContext ctx, Runnable onExpiry) {
    if (started) {
      return false;
    }
    started = true;
    if (timeout != null && !timeout.isZero()) {
      timer = ctx.executor().schedule(onExpiry, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    return true;
  }

  /** The limit in milliseconds, for the message that reports it. */
  public long millis() {
    return timeout == null ? 0 : timeout.toMillis();
  }

  public void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
