package io.warren.nostr.internal.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;
import io.warren.yamux.Yamux;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies bytes both ways between two channels with read-after-write backpressure (auto-read off,
 * the next read when the last write completed), half-closes the other side's output when one side's
 * input ends, and closes both when both directions are done or either side fails. An optional
 * {@link Throttle} delays reads to keep a byte rate.
 */
public final class Splice extends ChannelInboundHandlerAdapter {
  public static final String NAME = "splice";

  private final Channel peer;
  private final Throttle throttle;
  private final AtomicInteger directionsDone;
  private boolean inputDone;

  private Splice(Channel peer, Throttle throttle, AtomicInteger directionsDone) {
    this.peer = peer;
    this.throttle = throttle;
    this.directionsDone = directionsDone;
  }

  /** Joins {@code a} and {@code b}; both must be active. Callable from any thread. */
  public static void join(Channel a, Channel b, Throttle throttle) {
    AtomicInteger done = new AtomicInteger();
    for (Channel c : new Channel[] {a, b}) {
      c.config().setAutoRead(false);
      if (c.config().getOptions().containsKey(ChannelOption.ALLOW_HALF_CLOSURE)) {
        c.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      }
    }
    a.pipeline().addLast(NAME, new Splice(b, throttle, done));
    b.pipeline().addLast(NAME, new Splice(a, throttle, done));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      ctx.channel().eventLoop().execute(ctx::read);
    } else {
      peer.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf b)) {
      ReferenceCountUtil.release(msg);
      ctx.read();
      return;
    }
    int n = b.readableBytes();
    peer.writeAndFlush(b).addListener(f -> {
      if (!f.isSuccess()) {
        ctx.close();
        peer.close();
        return;
      }
      long delay = throttle == null ? 0 : throttle.delayNanos(n);
      if (delay > 0) {
        ctx.executor().schedule(() -> ctx.read(), delay, TimeUnit.NANOSECONDS);
      } else {
        ctx.read();
      }
    });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
      if (!inputDone) {
        inputDone = true;
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
          Yamux.shutdownOutput(peer);
          if (directionsDone.incrementAndGet() == 2) {
            ctx.close();
            peer.close();
          }
        });
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
