package io.warren.files.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.Stream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Frames} on a {@link Stream}, auto-read off: the stream is read while fewer than
 * {@value #READ_HIGH} bytes wait for the worker, and the worker's writes wait while more than
 * {@value #WRITE_HIGH} bytes are written and not yet sent or the channel is not writable, so a
 * slow peer slows the other side down instead of filling memory.
 */
final class StreamFrames extends Frames {
  static final int READ_HIGH = 4 << 20;
  static final long WRITE_HIGH = 4 << 20;
  static final String HANDLER = "files";

  private final Stream stream;
  private final Channel ch;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<ByteBuf> in = new ArrayDeque<>();
  private long buffered;
  private boolean paused;
  private boolean ended;
  private boolean closed;
  private Throwable failure;
  private long unsent;

  StreamFrames(Stream stream) {
    this.stream = stream;
    this.ch = stream.channel();
    ch.config().setAutoRead(false);
    ch.pipeline().addLast(HANDLER, new Inbound());
    ch.read();
  }

  private final class Inbound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf b)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      lock.lock();
      try {
        if (closed) {
          b.release();
          return;
        }
        in.add(b);
        buffered += b.readableBytes();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      lock.lock();
      try {
        paused = buffered >= READ_HIGH;
      } finally {
        lock.unlock();
      }
      if (!paused) {
        ctx.read();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        end(null);
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      signal();
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      end(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      end(cause);
    }
  }

  private void end(Throwable cause) {
    lock.lock();
    try {
      ended = true;
      if (failure == null) {
        failure = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  ByteBufAllocator alloc() {
    return ch.alloc();
  }

  @Override
  void readFully(byte[] b, int off, int len, long timeoutMillis) throws IOException {
    boolean resume = false;
    lock.lock();
    try {
      while (len > 0) {
        long wait = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (in.isEmpty()) {
          if (failure != null) {
            throw new IOException("files: stream failed: " + failure, failure);
          }
          if (ended || closed) {
            throw new EOFException("files: the peer ended the stream");
          }
          if (wait <= 0) {
            throw new IOException("files: nothing from the peer for " + timeoutMillis / 1000 + " s");
          }
          wait = changed.awaitNanos(wait);
        }
        ByteBuf head = in.peek();
        int n = Math.min(len, head.readableBytes());
        head.readBytes(b, off, n);
        if (!head.isReadable()) {
          in.poll().release();
        }
        off += n;
        len -= n;
        buffered -= n;
        if (paused && buffered < READ_HIGH / 2) {
          paused = false;
          resume = true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("files: interrupted");
    } finally {
      lock.unlock();
    }
    if (resume) {
      ch.read();
    }
  }

  @Override
  boolean alive() {
    lock.lock();
    try {
      return !ended && !closed && failure == null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  boolean readable() {
    lock.lock();
    try {
      return !in.isEmpty() || failure != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  void write(ByteBuf frame) throws IOException {
    int n = frame.readableBytes();
    lock.lock();
    try {
      while ((unsent > WRITE_HIGH || !ch.isWritable() && unsent > 0) && failure == null && ch.isActive()) {
        changed.await(200, TimeUnit.MILLISECONDS);
      }
      if (failure != null || !ch.isActive()) {
        frame.release();
        throw new IOException("files: stream closed" + (failure == null ? "" : ": " + failure), failure);
      }
      unsent += n;
    } catch (InterruptedException e) {
      frame.release();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("files: interrupted");
    } finally {
      lock.unlock();
    }
    ch.writeAndFlush(frame).addListener(f -> {
      lock.lock();
      try {
        unsent -= n;
        if (!f.isSuccess() && failure == null) {
          failure = f.cause();
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    });
  }

  @Override
  void finish() {
    stream.closeWrite();
  }

  @Override
  void abort() {
    stream.reset();
    end(new IOException("files: aborted"));
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      in.forEach(ByteBuf::release);
      in.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    ch.close();
  }
}
