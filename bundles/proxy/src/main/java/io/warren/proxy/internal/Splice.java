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
 * Joins two channels (a TCP socket and a transport stream) byte for byte, with backpressure by
 * writability: each side keeps reading while the other side accepts writes (its outbound buffer is
 * under the high water mark, and for a stream, the peer's window is open), and pauses until the
 * other side becomes writable again, so a slow reader slows the sender and memory stays bounded by
 * the water marks while a fast path is never idle waiting for a write to complete. An end of input
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
    Side fromA = s.new Side(b, shutdownB, aToB);
    Side fromB = s.new Side(a, shutdownA, bToA);
    // fromA writes into b: when b becomes writable again, fromA may read on (and the reverse)
    fromA.twin = fromB;
    fromB.twin = fromA;
    a.pipeline().addLast(HANDLER, fromA);
    b.pipeline().addLast(HANDLER, fromB);
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
    /** Reading stopped because {@code other} could take no more; its writability resumes it. */
    private final java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
    private Side twin;
    private Channel self;
    private boolean ended;

    Side(Channel other, Runnable shutdownOther, AtomicLong counter) {
      this.other = other;
      this.shutdownOther = shutdownOther;
      this.counter = counter;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      self = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        counter.addAndGet(buf.readableBytes());
      }
      other.write(msg).addListener((ChannelFutureListener) f -> {
        if (!f.isSuccess()) {
          closeBoth();
        }
      });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      other.flush();
      readMoreIfWritable();
    }

    /** Reads on while the other side takes writes; else waits for its writability to come back. */
    private void readMoreIfWritable() {
      if (other.isWritable()) {
        self.read();
        return;
      }
      paused.set(true);
      // the other side may have become writable between the check and the flag
      if (other.isWritable() && paused.compareAndSet(true, false)) {
        self.read();
      }
    }

    /** Called when {@code other} (this side's destination) became writable again. */
    void resume() {
      if (paused.compareAndSet(true, false)) {
        self.read();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable() && twin != null) {
        twin.resume();
      }
      ctx.fireChannelWritabilityChanged();
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
