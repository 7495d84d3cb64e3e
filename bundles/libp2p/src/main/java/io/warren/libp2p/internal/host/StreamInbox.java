package io.warren.libp2p.internal.host;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Sits right after the multistream handler of a stream and keeps what arrives before the stream's
 * owner asked for it: the bytes that followed the protocol echo in the same frame, and whatever came
 * while the negotiation still read with auto-read on. Each {@code read()} from the owner is served
 * from here first, one held buffer at a time (a read that reaches the stream passes on everything
 * its read brings, until its read-complete), so a handler added after the selection sees every byte, in
 * order, at the pace of its own reads. The peer's end of stream is held back until the bytes before
 * it were read, and so is the channel's end: a QUIC stream closes as soon as both sides sent their
 * FIN, possibly before its owner read what came first. Once empty it passes everything straight
 * through.
 */
final class StreamInbox extends ChannelDuplexHandler {
  static final String NAME = "inbox";

  /** Stands for channelInactive in {@link #held}. */
  private static final Object INACTIVE = new Object();

  private final ArrayDeque<Object> held = new ArrayDeque<>();
  /** The owner asked for a read that nothing has answered yet. */
  private boolean readOutstanding;
  /** A buffer went through since the last read-complete. */
  private boolean inBatch;
  /** Runs once what is held has been read (a deferred QUIC FIN). */
  private Runnable whenDrained;
  /**
   * The stream reached its owner: from now on every read is the owner's, also with auto-read on
   * (an owner that reads by turning auto-read on); before, a read of auto-read is the negotiation's.
   */
  private volatile boolean owned;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // a read the owner asked for brings everything that comes until its read-complete, as a
    // socket's read does; a read() issued while the owner handles a buffer asks for the next read
    if ((readOutstanding || inBatch) && held.isEmpty()) {
      readOutstanding = false;
      inBatch = true;
      ctx.fireChannelRead(msg);
    } else {
      held.add(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (inBatch) {
      inBatch = false;
      ctx.fireChannelReadComplete();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (!held.isEmpty()
        && (evt instanceof ChannelInputShutdownEvent || evt == ChannelInputShutdownReadComplete.INSTANCE)) {
      held.add(evt);
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    Object next = held.poll();
    if (next == null) {
      // a read of auto-read (the negotiation's, or a QUIC stream's first when it becomes active) is
      // not the owner's: what it brings is held for the owner
      readOutstanding = owned || !ctx.channel().config().isAutoRead();
      ctx.read();
      return;
    }
    if (next instanceof io.netty.buffer.ByteBuf) {
      ctx.fireChannelRead(next);
      ctx.fireChannelReadComplete();
    } else { // an end held behind bytes that a read from inside the owner's handling took already
      fireEvent(ctx, next);
    }
    while (!held.isEmpty() && !(held.peek() instanceof io.netty.buffer.ByteBuf)) {
      fireEvent(ctx, held.poll());
    }
    drained();
  }

  private void drained() {
    Runnable r = whenDrained;
    if (held.isEmpty() && r != null) {
      whenDrained = null;
      r.run();
    }
  }

  /**
   * Runs {@code r} on the event loop once {@code ch}'s owner has read what the inbox holds, or now
   * if it holds nothing. A QUIC stream closes as soon as both FINs crossed, so its FIN waits for
   * this: the bytes that came before the peer's FIN are not lost with the channel.
   */
  static void afterHeld(io.netty.channel.Channel ch, Runnable r) {
    ch.eventLoop().execute(() -> {
      ChannelHandlerContext ctx = ch.pipeline().context(StreamInbox.class);
      StreamInbox inbox = ctx == null ? null : (StreamInbox) ctx.handler();
      if (inbox == null || inbox.held.isEmpty()) {
        r.run();
      } else {
        Runnable before = inbox.whenDrained;
        inbox.whenDrained = before == null ? r : () -> {
          before.run();
          r.run();
        };
      }
    });
  }

  private static void fireEvent(ChannelHandlerContext ctx, Object event) {
    if (event == INACTIVE) {
      ctx.fireChannelInactive();
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  /** Marks {@code ch}'s inbox as handed to the stream's owner (see {@link #owned}). */
  static void owned(io.netty.channel.Channel ch) {
    StreamInbox inbox = ch.pipeline().get(StreamInbox.class);
    if (inbox != null) {
      inbox.owned = true;
    }
  }

  /** Whether {@code ch}'s inbox still holds something for its owner (which it gets even after the channel closed). */
  static boolean holding(io.netty.channel.Channel ch) {
    ChannelHandlerContext ctx = ch.pipeline().context(StreamInbox.class);
    return ctx != null && !((StreamInbox) ctx.handler()).held.isEmpty();
  }

  /** Puts bytes a reader took but did not use back in front, for the next read. */
  void unshift(io.netty.buffer.ByteBuf rest) {
    held.addFirst(rest);
  }

  /**
   * Passes what is held to the handlers after this one and leaves the pipeline, for a stream whose
   * new owner reads with auto-read (a relayed connection's upgrade). Call on the event loop.
   */
  static void handOver(io.netty.channel.Channel ch) {
    ChannelHandlerContext ctx = ch.pipeline().context(StreamInbox.class);
    if (ctx == null) {
      return;
    }
    StreamInbox inbox = (StreamInbox) ctx.handler();
    Object o;
    boolean any = false;
    while ((o = inbox.held.poll()) != null) {
      if (o instanceof io.netty.buffer.ByteBuf) {
        any = true;
        ctx.fireChannelRead(o);
      } else {
        fireEvent(ctx, o);
      }
    }
    if (any) {
      ctx.fireChannelReadComplete();
    }
    ch.pipeline().remove(inbox);
    inbox.drained();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (!held.isEmpty()) {
      held.add(INACTIVE); // the owner reads what came before, then the end
      return;
    }
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseHeld();
  }

  private void releaseHeld() {
    Object o;
    while ((o = held.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }
}
