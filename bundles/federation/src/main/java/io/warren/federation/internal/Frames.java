package io.warren.federation.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Length-prefixed messages on a {@link Stream}. After the membership proof they are read and
 * written from a worker thread (never an event loop): the federation exchanges are short
 * request/response dialogues, which read most clearly as straight-line code. The proof itself is
 * read with {@link #next}, which holds no thread while the peer is silent. Reads are requested one
 * frame at a time, so a peer cannot make this side buffer more than one message, and the first
 * {@code handshakeFrames} messages (the proof's) may be {@value #HANDSHAKE_FRAME} bytes at most.
 */
final class Frames implements AutoCloseable {
  /** Largest message either side sends: a peer table of a few hundred records, a command's output. */
  static final int MAX_FRAME = 4 << 20;
  /** Largest message of the membership proof (the largest, two J-PAKE rounds, is under 2.5 KiB). */
  static final int HANDSHAKE_FRAME = 4096;
  private static final Object END = new Object();

  private final Stream stream;
  private final Channel channel;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final Duration timeout;
  /** A {@link #next} waiting for a message; touched on the event loop only. */
  private CompletableFuture<byte[]> waiting;

  Frames(Stream stream, Duration timeout) {
    this(stream, timeout, 0);
  }

  Frames(Stream stream, Duration timeout, int handshakeFrames) {
    this.stream = stream;
    this.channel = stream.channel();
    this.timeout = timeout;
    channel.pipeline().addLast("federation-frames", new Decoder(handshakeFrames));
    channel.pipeline().addLast("federation-inbox", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        try {
          byte[] bytes = new byte[b.readableBytes()];
          b.readBytes(bytes);
          deliver(bytes);
        } finally {
          b.release();
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        deliver(END);
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // a half-close from the peer: nothing more will come
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
          deliver(END);
        }
        ctx.fireUserEventTriggered(evt);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable t = cause instanceof DecoderException && cause.getCause() instanceof ProtocolException
            ? cause.getCause() : cause;
        deliver(t);
        ctx.close();
      }
    });
  }

  /** Frames of at most {@link #HANDSHAKE_FRAME} bytes for the first few, {@link #MAX_FRAME} after. */
  private static final class Decoder extends ByteToMessageDecoder {
    private int handshakeFrames;

    Decoder(int handshakeFrames) {
      this.handshakeFrames = handshakeFrames;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (in.readableBytes() < 4) {
        return;
      }
      long length = in.getUnsignedInt(in.readerIndex());
      int limit = handshakeFrames > 0 ? HANDSHAKE_FRAME : MAX_FRAME;
      if (length > limit) {
        in.skipBytes(in.readableBytes());
        throw new ProtocolException(MembershipDialogue.PROTOCOL + ": a message of " + length + " bytes (limit " + limit
            + (handshakeFrames > 0 ? " during the membership proof)" : ")"));
      }
      if (in.readableBytes() < 4 + length) {
        return;
      }
      in.skipBytes(4);
      out.add(in.readRetainedSlice((int) length));
      if (handshakeFrames > 0) {
        handshakeFrames--;
      }
    }
  }

  /** On the event loop: hands {@code o} to a waiting {@link #next}, or keeps it for the next read. */
  private void deliver(Object o) {
    CompletableFuture<byte[]> w = waiting;
    if (w == null) {
      inbox.add(o);
      return;
    }
    waiting = null;
    complete(w, o);
  }

  private void complete(CompletableFuture<byte[]> f, Object o) {
    if (o == END) {
      inbox.add(END);
      f.completeExceptionally(new java.io.EOFException("the peer closed the stream"));
    } else if (o instanceof Throwable t) {
      inbox.add(o);
      f.completeExceptionally(t);
    } else {
      f.complete((byte[]) o);
    }
  }

  Stream stream() {
    return stream;
  }

  /**
   * The next message without blocking: the future completes on the stream's event loop when it
   * arrives, or fails when the stream ends or breaks, or when {@code deadlineNanos} (a
   * {@link System#nanoTime} value) passes first.
   */
  CompletableFuture<byte[]> next(long deadlineNanos) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    try {
      channel.eventLoop().execute(() -> {
        Object o = inbox.poll();
        if (o == null && !channel.isActive()) {
          o = END;
        }
        if (o != null) {
          complete(f, o);
          return;
        }
        waiting = f;
        channel.eventLoop().schedule(() -> {
          if (waiting == f) {
            waiting = null;
            f.completeExceptionally(new TimeoutException("no answer within " + timeout.toSeconds() + " s"));
          }
        }, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        channel.read();
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new java.io.EOFException("the stream's event loop has stopped"));
    }
    return f;
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

  /** Writes {@code message} without waiting for it to leave; a failed write closes the stream. */
  void send(byte[] message) {
    channel.writeAndFlush(frame(message)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
  }

  void write(byte[] message) throws Exception {
    var f = channel.writeAndFlush(frame(message));
    if (!f.await(timeout.toMillis())) {
      throw new TimeoutException("the peer did not take a message within " + timeout.toSeconds() + " s");
    }
    if (!f.isSuccess()) {
      throw new java.io.IOException("write failed: " + f.cause(), f.cause());
    }
  }

  private static ByteBuf frame(byte[] message) {
    ByteBuf b = Unpooled.buffer(4 + message.length);
    b.writeInt(message.length);
    b.writeBytes(message);
    return b;
  }

  @Override
  public void close() {
    channel.close();
  }
}
