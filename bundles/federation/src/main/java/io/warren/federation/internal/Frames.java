package io.warren.federation.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Length-prefixed messages on a {@link Stream}, read and written from a worker thread (never an
 * event loop): the federation exchanges are short request/response dialogues, which read most
 * clearly as straight-line code. Reads are requested one frame at a time, so a peer cannot make
 * this side buffer more than one message.
 */
final class Frames implements AutoCloseable {
  /** Largest message either side sends: a peer table of a few hundred records, a command's output. */
  static final int MAX_FRAME = 4 << 20;
  private static final Object END = new Object();

  private final Stream stream;
  private final Channel channel;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final Duration timeout;

  Frames(Stream stream, Duration timeout) {
    this.stream = stream;
    this.channel = stream.channel();
    this.timeout = timeout;
    channel.pipeline().addLast("federation-frames", new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4));
    channel.pipeline().addLast("federation-inbox", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        try {
          byte[] bytes = new byte[b.readableBytes()];
          b.readBytes(bytes);
          inbox.add(bytes);
        } finally {
          b.release();
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        inbox.add(END);
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // a half-close from the peer: nothing more will come
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
          inbox.add(END);
        }
        ctx.fireUserEventTriggered(evt);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        inbox.add(cause instanceof TooLongFrameException
            ? new ProtocolException("message longer than " + MAX_FRAME + " bytes") : cause);
        ctx.close();
      }
    });
  }

  Stream stream() {
    return stream;
  }

  /** The next message; fails when the stream ends, breaks or stays silent past the timeout. */
  byte[] read() throws Exception {
    Object next = inbox.poll();
    if (next == null) {
      channel.read();
      next = inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    if (next == null) {
      throw new TimeoutException("no answer within " + timeout.toSeconds() + " s");
    }
    if (next == END) {
      inbox.add(END);
      throw new java.io.EOFException("the peer closed the stream");
    }
    if (next instanceof Throwable t) {
      inbox.add(next);
      if (t instanceof Exception e) {
        throw e;
      }
      throw new IllegalStateException(t);
    }
    return (byte[]) next;
  }

  void write(byte[] message) throws Exception {
    ByteBuf b = Unpooled.buffer(4 + message.length);
    b.writeInt(message.length);
    b.writeBytes(message);
    var f = channel.writeAndFlush(b);
    if (!f.await(timeout.toMillis())) {
      throw new TimeoutException("the peer did not take a message within " + timeout.toSeconds() + " s");
    }
    if (!f.isSuccess()) {
      throw new java.io.IOException("write failed: " + f.cause(), f.cause());
    }
  }

  @Override
  public void close() {
    channel.close();
  }
}
