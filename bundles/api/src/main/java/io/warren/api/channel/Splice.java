package io.warren.api.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * The one bidirectional pump between two channels (a TCP socket and a transport stream, two
 * streams of a relayed circuit, an HTTP client and a tunnel). Every service that joins two
 * channels uses this class; none writes its own.
 *
 * <ul>
 *   <li><b>Backpressure by writability.</b> Each side reads while the other side accepts writes
 *       (its outbound buffer is under the high water mark, and for a stream, the peer's window is
 *       open) and pauses until the other side becomes writable again: a slow reader slows the
 *       sender, memory stays bounded by the water marks, and a fast path never idles waiting for a
 *       write to complete. Both channels must have auto-read off.
 *   <li><b>Half-close.</b> The end of one side's input shuts down the other side's output
 *       ({@link #shutdownOutput}: a TCP FIN, a stream FIN); when both directions ended, both are
 *       closed after what was written is flushed.
 *   <li><b>Aborts travel.</b> A side that goes away before its input ended (a reset stream, a
 *       lost connection, a failed socket) aborts the other after flushing what was already
 *       written to it: a {@link Resettable} stream is reset (a relay passes a reset on as a
 *       reset, not as an orderly end), anything else closed.
 *   <li><b>Limits.</b> An idle timeout (no byte either way), a byte limit per direction and a
 *       maximum duration; reaching one aborts both sides at once ({@link #reset}) and completes
 *       {@link #ended()} with the reason.
 *   <li><b>Counters and pacing.</b> Bytes each way are reported to the given counters; a
 *       {@link Pacer} may delay the next read to keep a byte rate.
 * </ul>
 *
 * <p>Start one with {@link #between}; everything it does runs on the channels' event loops, and
 * the two channels are best registered on the same loop (no hand-over between threads).
 *
 * <p>Over 400 lines on purpose: the pump, its two sides and its builder share the splice's end
 * state, and keeping them in one class keeps that state private to it.
 */
public final class Splice {
  /** Name of the splice handler in both pipelines. */
  public static final String HANDLER = "splice";

  /**
   * A handler that keeps what a channel reads before its splice starts, for the splice to take over
   * in order. Add it to the pipeline (as the Bootstrap's handler, or in a child initializer) where a socket that will be spliced is accepted or
   * connected: epoll reads data that arrives together with the end of input even with auto-read
   * off (it must, to see the hang-up), and without a holder those bytes would reach the end of the
   * pipeline and be dropped. NIO reads nothing until asked, so there it holds nothing.
   */
  public static ChannelInboundHandlerAdapter hold() {
    return new Hold();
  }

  /** What a channel read before its splice: messages and end-of-input events, in order. */
  private static final class Hold extends ChannelInboundHandlerAdapter {
    private final java.util.ArrayDeque<Object> held = new java.util.ArrayDeque<>();
    private final java.util.Set<Object> events = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      held.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // the splice reads on by itself once it starts
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
        held.add(evt);
        events.add(evt);
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    /** Hands what was held to the handlers after this one, then steps out. On the channel's loop. */
    void release(ChannelHandlerContext ctx) {
      boolean read = false;
      for (Object o = held.poll(); o != null; o = held.poll()) {
        if (events.remove(o)) {
          ctx.fireUserEventTriggered(o);
        } else {
          read = true;
          ctx.fireChannelRead(o);
        }
      }
      if (read) {
        ctx.fireChannelReadComplete();
      }
      ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      for (Object o = held.poll(); o != null; o = held.poll()) {
        ReferenceCountUtil.release(o);
      }
    }
  }

  /**
   * Asks {@code ch} for more input unless its input has ended. Epoll refuses a read after the end
   * of input (its socket may have left the epoll set, and the failed re-arm closes the channel,
   * the reply still on its way in the other direction); NIO ignores it.
   */
  private static void readUnlessEnded(Channel ch) {
    if (!(ch instanceof DuplexChannel d) || !d.isInputShutdown()) {
      ch.read();
    }
  }

  /** Releases {@code ch}'s {@link #hold()}, if it has one, into the splice handler now after it. */
  private static void releaseHold(Channel ch) {
    Runnable release = () -> {
      ChannelHandlerContext ctx = ch.pipeline().context(Hold.class);
      if (ctx != null && ctx.handler() instanceof Hold h) {
        h.release(ctx);
      }
    };
    if (ch.eventLoop().inEventLoop()) {
      release.run();
    } else {
      ch.eventLoop().execute(release);
    }
  }

  /** Why a splice ended. */
  public enum End {
    /** Both directions ended with a half-close and were flushed. */
    COMPLETED,
    /** One side closed or failed; the other was closed after a flush. */
    CLOSED,
    /** No byte moved for the idle timeout. */
    IDLE,
    /** A direction passed its byte limit. */
    BYTE_LIMIT,
    /** The maximum duration passed. */
    TIME_LIMIT
  }

  private final Channel a;
  private final Channel b;
  private final Options options;
  private final AtomicInteger inputsEnded = new AtomicInteger();
  private final CompletableFuture<End> ended = new CompletableFuture<>();
  private final Side fromA;
  private final Side fromB;
  private volatile long lastActivity = System.nanoTime();
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> durationTimer;

  private Splice(Channel a, Channel b, Options options) {
    this.a = a;
    this.b = b;
    this.options = options;
    this.fromA = new Side(a, b, options.intoB == null ? b : options.intoB, options.aToB);
    this.fromB = new Side(b, a, options.intoA == null ? a : options.intoA, options.bToA);
    fromA.twin = fromB;
    fromB.twin = fromA;
  }

  /** A splice between {@code a} and {@code b}, to configure and {@link Builder#start()}. */
  public static Builder between(Channel a, Channel b) {
    return new Builder(Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b"));
  }

  /** Completes with why the splice ended, once both channels are closed or closing. */
  public CompletableFuture<End> ended() {
    return ended;
  }

  /** Bytes read from {@code a} and written to {@code b} so far. */
  public long bytesAToB() {
    return fromA.bytes;
  }

  /** Bytes read from {@code b} and written to {@code a} so far. */
  public long bytesBToA() {
    return fromB.bytes;
  }

  /** Closes both sides now (flushing what was written) and ends the splice as {@link End#CLOSED}. */
  public void close() {
    finish(End.CLOSED, false);
  }

  /**
   * Set by a transport on stream channels whose own {@code shutdownOutput()} is not ordered after
   * the writes still queued (Netty's QUIC streams send their FIN at once, cutting off data that
   * waits for flow control): the transport's half-close, ordered after every earlier write.
   * {@link #shutdownOutput} and {@link io.warren.api.Stream#closeWrite()} use it where it is set.
   */
  public static final io.netty.util.AttributeKey<java.util.function.Function<Channel, io.netty.channel.ChannelFuture>> HALF_CLOSE =
      io.netty.util.AttributeKey.valueOf("warren.halfClose");

  /** {@code ch}'s {@link #HALF_CLOSE}, or null. */
  public static java.util.function.Function<Channel, io.netty.channel.ChannelFuture> halfClose(Channel ch) {
    return ch.hasAttr(HALF_CLOSE) ? ch.attr(HALF_CLOSE).get() : null;
  }

  /**
   * Half-closes {@code ch}'s output: the transport's {@link #HALF_CLOSE} where set (QUIC streams),
   * {@code shutdownOutput} on a {@link DuplexChannel} (TCP sockets, Yamux streams), a flush then
   * close on anything else.
   */
  public static void shutdownOutput(Channel ch) {
    var halfClose = halfClose(ch);
    if (halfClose != null) {
      halfClose.apply(ch);
    } else if (ch instanceof DuplexChannel d) {
      d.shutdownOutput();
    } else {
      flushAndClose(ch);
    }
  }

  /** Aborts {@code ch}: {@link Resettable#reset()} where it has it (a Yamux RST), else close. */
  public static void reset(Channel ch) {
    if (ch instanceof Resettable r) {
      r.reset();
    } else {
      ch.close();
    }
  }

  /** Closes {@code ch} once what was written to it is flushed. */
  public static void flushAndClose(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else {
      ch.close();
    }
  }

  private void start() {
    if (!a.isActive() || !b.isActive()) {
      flushAndClose(a);
      flushAndClose(b);
      ended.complete(End.CLOSED);
      return;
    }
    for (Channel c : new Channel[] {a, b}) {
      c.config().setAutoRead(false);
      if (c.config().getOptions().containsKey(ChannelOption.ALLOW_HALF_CLOSURE)) {
        c.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      }
    }
    Duration idle = options.idleTimeout;
    if (idle != null && !idle.isZero()) {
      long period = Math.max(1, idle.toNanos() / 4);
      idleTimer = a.eventLoop().scheduleAtFixedRate(() -> {
        if (System.nanoTime() - lastActivity >= idle.toNanos()) {
          finish(End.IDLE, true);
        }
      }, period, period, TimeUnit.NANOSECONDS);
    }
    Duration max = options.maxDuration;
    if (max != null && !max.isZero()) {
      durationTimer = a.eventLoop().schedule(() -> finish(End.TIME_LIMIT, true), max.toNanos(), TimeUnit.NANOSECONDS);
    }
    a.pipeline().addLast(HANDLER, fromA);
    b.pipeline().addLast(HANDLER, fromB);
    releaseHold(a);
    releaseHold(b);
    readUnlessEnded(a);
    readUnlessEnded(b);
  }

  /** Ends the splice once: {@code abort} resets both at once, otherwise closes them after a flush. */
  private void finish(End why, boolean abort) {
    if (!end(why)) {
      return;
    }
    if (abort) {
      reset(a);
      reset(b);
    } else {
      flushAndClose(a);
      flushAndClose(b);
    }
  }

  /** {@code gone} went away before the splice completed: flush what was written to the other, then abort it. */
  private void abandoned(Channel gone, Channel other) {
    if (!end(End.CLOSED)) {
      return;
    }
    gone.close();
    if (other.isActive()) {
      other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> reset(other));
    } else {
      other.close();
    }
  }

  private boolean end(End why) {
    if (!ended.complete(why)) {
      return false;
    }
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    if (durationTimer != null) {
      durationTimer.cancel(false);
    }
    return true;
  }

  /** The handler on one channel, forwarding what it reads to the other. */
  private final class Side extends ChannelInboundHandlerAdapter {
    private final Channel self;
    private final Channel other;
    private final ChannelOutboundInvoker into;
    private final LongConsumer counter;
    /** Reading stopped because {@code other} could take no more; its writability resumes it. */
    private final AtomicBoolean paused = new AtomicBoolean();
    private Side twin;
    private volatile long bytes;
    private long burst;
    private volatile boolean inputEnded;

    Side(Channel self, Channel other, ChannelOutboundInvoker into, LongConsumer counter) {
      this.self = self;
      this.other = other;
      this.into = into;
      this.counter = counter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      int n = buf.readableBytes();
      bytes += n;
      burst += n;
      lastActivity = System.nanoTime();
      if (counter != null) {
        counter.accept(n);
      }
      if (options.maxBytes > 0 && bytes > options.maxBytes) {
        buf.release();
        finish(End.BYTE_LIMIT, true);
        return;
      }
      into.write(buf).addListener((ChannelFutureListener) f -> {
        if (!f.isSuccess()) {
          abandoned(other, self);
        }
      });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      into.flush();
      long delay = options.pacer == null || burst == 0 ? 0 : options.pacer.delayNanos(burst);
      burst = 0;
      if (delay > 0) {
        ctx.executor().schedule(this::readMoreIfWritable, delay, TimeUnit.NANOSECONDS);
      } else {
        readMoreIfWritable();
      }
    }

    /** Reads on while the other side takes writes; else waits for its writability to come back. */
    private void readMoreIfWritable() {
      if (inputEnded) {
        return;
      }
      if (other.isWritable()) {
        readUnlessEnded(self);
        return;
      }
      paused.set(true);
      // the other side may have become writable between the check and the flag
      if (other.isWritable() && paused.compareAndSet(true, false)) {
        readUnlessEnded(self);
      }
    }

    /** Called when {@code other} (this side's destination) became writable again. */
    void resume() {
      if (paused.compareAndSet(true, false)) {
        self.eventLoop().execute(() -> readUnlessEnded(self));
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        twin.resume();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
        if (!inputEnded) {
          inputEnded = true;
          into.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && other.isActive()) {
              shutdownOutput(other);
            }
            if (inputsEnded.incrementAndGet() == 2) {
              finish(End.COMPLETED, false);
            }
          });
        }
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (inputEnded && twin.inputEnded) {
        finish(End.COMPLETED, false); // both directions ended; only the count had not caught up
      } else {
        abandoned(self, other);
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      abandoned(self, other);
    }
  }

  private record Options(Duration idleTimeout, long maxBytes, Duration maxDuration, Pacer pacer,
      LongConsumer aToB, LongConsumer bToA, ChannelOutboundInvoker intoA, ChannelOutboundInvoker intoB) {}

  /** Configures a {@link Splice}; every setting is optional. */
  public static final class Builder {
    private final Channel a;
    private final Channel b;
    private Duration idleTimeout = Duration.ZERO;
    private long maxBytes;
    private Duration maxDuration = Duration.ZERO;
    private Pacer pacer;
    private LongConsumer aToB;
    private LongConsumer bToA;
    private ChannelOutboundInvoker intoA;
    private ChannelOutboundInvoker intoB;

    private Builder(Channel a, Channel b) {
      this.a = a;
      this.b = b;
    }

    /** Ends the splice when no byte moved either way for {@code timeout} (zero: never). */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = requireNonNegative(timeout, "idle timeout");
      return this;
    }

    /** Ends the splice when either direction carried more than {@code bytes} (0: no limit). */
    public Builder maxBytesPerDirection(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("byte limit must not be negative: " + bytes);
      }
      this.maxBytes = bytes;
      return this;
    }

    /** Ends the splice after {@code duration} (zero: no limit). */
    public Builder maxDuration(Duration duration) {
      this.maxDuration = requireNonNegative(duration, "maximum duration");
      return this;
    }

    /** Delays reads on both sides to keep {@code pacer}'s rate. */
    public Builder pace(Pacer pacer) {
      this.pacer = pacer;
      return this;
    }

    /** Reports each buffer's size: read from {@code a} ({@code aToB}) and from {@code b}. */
    public Builder count(LongConsumer aToB, LongConsumer bToA) {
      this.aToB = aToB;
      this.bToA = bToA;
      return this;
    }

    /**
     * Writes what is read from {@code b} into {@code target} instead of channel {@code a} itself,
     * e.g. a handler context so the bytes bypass an encoder further out in {@code a}'s pipeline.
     */
    public Builder writeToA(ChannelOutboundInvoker target) {
      this.intoA = target;
      return this;
    }

    /** As {@link #writeToA}, for what is read from {@code a}. */
    public Builder writeToB(ChannelOutboundInvoker target) {
      this.intoB = target;
      return this;
    }

    /**
     * Starts pumping (from any thread: the work is handed to {@code a}'s event loop). If either
     * channel is no longer active, both are closed and {@link #ended()} completes at once.
     */
    public Splice start() {
      Splice s = new Splice(a, b, new Options(idleTimeout, maxBytes, maxDuration, pacer, aToB, bToA, intoA, intoB));
      if (a.eventLoop().inEventLoop()) {
        s.start();
      } else {
        a.eventLoop().execute(s::start);
      }
      return s;
    }

    private static Duration requireNonNegative(Duration d, String what) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(what + " must be zero or positive: " + d);
      }
      return d;
    }
  }
}
