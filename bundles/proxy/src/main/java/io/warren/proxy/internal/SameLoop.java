package io.warren.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import io.warren.api.channel.EventLoops;

/**
 * Puts both sides of a splice on one event loop (no hand-over between threads per buffer) when the
 * stream's loop belongs to the node's shared group, so its socket channels can live there.
 */
final class SameLoop {
  private SameLoop() {}

  /** {@code streamLoop} when it is one of the shared loops, else the next shared loop. */
  static EventLoop loopFor(EventLoops loops, EventLoop streamLoop) {
    return shared(loops, streamLoop) ? streamLoop : loops.group().next();
  }

  /** Re-registers {@code c} (auto-read off, nothing pending) on {@code loop} if it can live there. */
  static Future<?> moveTo(EventLoops loops, Channel c, EventLoop loop) {
    if (c.eventLoop() == loop || !shared(loops, loop)) {
      return ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);
    }
    Promise<Void> moved = ImmediateEventExecutor.INSTANCE.newPromise();
    c.deregister().addListener((ChannelFutureListener) d -> {
      if (!d.isSuccess()) {
        moved.tryFailure(d.cause());
        return;
      }
      loop.register(c).addListener((ChannelFutureListener) r -> {
        if (r.isSuccess()) {
          moved.trySuccess(null);
        } else {
          moved.tryFailure(r.cause());
        }
      });
    });
    return moved;
  }

  private static boolean shared(EventLoops loops, EventLoop loop) {
    for (EventExecutor e : loops.group()) {
      if (e == loop) {
        return true;
      }
    }
    return false;
  }
}
