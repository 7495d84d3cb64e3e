package io.warren.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Joins two channels (a TCP socket and a transport stream) byte for byte, with read-after-write
 * backpressure: each side reads its next buffer only when the other side has written the last one,
 * so a slow reader slows the sender and memory stays at one buffer per direction. An end of input
 * on one side half-closes the other; when both directions ended, or either side closes or fails,
 * both are closed after what was written is flushed.
 */
final class Splice {
  static final String HANDLER = "proxy-splice";

  private final Channel a;
  private final Channel b;
  private final Runnable shutdownA;
  private final Runnable shutdownB;
  private final AtomicInteger inputsEnded = new AtomicInteger();
  private final AtomicLong aToB;
  private final AtomicLong bToA;

  private Splice(Channel a, Runnable shutdownA, Channel b, Runnable shutdownB, AtomicLong aToB, AtomicLong bToA) {
    this.a = a;
    this.b = b;
    this.shutdownA = shutdownA;
    this.shutdownB = shutdownB;
    this.aToB = aToB;
    this.bToA = bToA;
  }

  /**
   * Starts forwarding; both channels must be active with auto-read off. {@code shutdownX} ends
   * channel X's output (a TCP FIN, a stream half-close). Bytes are counted into the two counters.
   */
  static void join(Channel a, Runnable shutdownA, Channel b, Runnable shutdownB, AtomicLong aToB, AtomicLong bToA) {
    Splice s = new Splice(a, shutdownA, b, shutdownB, aToB, bToA);
    a.pipeline().addLast(HANDLER, s.new Side(b, shutdownB, aToB));
    b.pipeline().addLast(HANDLER, s.new Side(a, shutdownA, bToA));
    a.read();
    b.read();
  }

  private void closeBoth() {
    flushAndClose(a);
    flushAndClose(b);
  }

  static void flushAndClose(Channel c) {
    if (c.isActive()) {
      c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else {
      c.close();
    }
  }

  /** The handler on one channel, forwarding what it reads to {@code other}. */
  private final class Side extends ChannelInboundHandlerAdapter {
    private final Channel other;
    private final Runnable shutdownOther;
    private final AtomicLong counter;
    private boolean ended;

    Side(Channel other, Runnable shutdownOther, AtomicLong counter) {
      this.other = other;
      this.shutdownOther = shutdownOther;
      this.counter = counter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        counter.addAndGet(buf.readableBytes());
      }
      other.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
        if (f.isSuccess()) {
          ctx.channel().read();
        } else {
          closeBoth();
        }
      });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent && !ended) {
        ended = true;
        other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
          if (f.isSuccess() && other.isActive()) {
            shutdownOther.run();
          }
          if (inputsEnded.incrementAndGet() == 2) {
            closeBoth();
          }
        });
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      flushAndClose(other);
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
