package io.warren.nostr.internal.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * Reads one tunnel header (4-byte length + UTF-8 JSON) from the start of a stream, then turns
 * auto-read off and hands the header to its listener. Bytes and input-shutdown events that came
 * after the header are held until the next {@code read()} (the consumer's first), so nothing is
 * lost between the header and whoever takes the stream over; then this handler removes itself.
 */
public final class HeaderReader extends ChannelDuplexHandler {
  public static final String NAME = "tunnel-header";
  /** Seconds a stream may take to deliver its header; a stream that says nothing is closed. */
  public static final int TIMEOUT_SECONDS = 20;

  /** Told on the stream's event loop. */
  public interface Listener {
    void onHeader(Channel stream, String json);

    void onFailure(Channel stream, String why);
  }

  private final Listener listener;
  private ByteBuf cumulation;
  private final ArrayDeque<Object> held = new ArrayDeque<>();
  private boolean done;
  private boolean failed;

  public HeaderReader(Listener listener) {
    this.listener = listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.executor().schedule(() -> {
      if (!done) {
        fail(ctx, "tunnel: no header within " + TIMEOUT_SECONDS + " s");
      }
    }, TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (done) {
      held.add(msg);
      return;
    }
    if (!(msg instanceof ByteBuf b)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (cumulation == null) {
      cumulation = b;
    } else {
      cumulation = ctx.alloc().compositeBuffer().addComponents(true, cumulation, b);
    }
    if (cumulation.readableBytes() < 4) {
      return;
    }
    int length = cumulation.getInt(cumulation.readerIndex());
    if (length < 2 || length > TunnelWire.MAX_HEADER) {
      fail(ctx, "tunnel: header length " + length + " (expected 2-" + TunnelWire.MAX_HEADER + ")");
      return;
    }
    if (cumulation.readableBytes() < 4 + length) {
      return;
    }
    cumulation.skipBytes(4);
    String json = cumulation.readCharSequence(length, StandardCharsets.UTF_8).toString();
    if (cumulation.isReadable()) {
      held.add(cumulation);
    } else {
      cumulation.release();
    }
    cumulation = null;
    done = true;
    ctx.channel().config().setAutoRead(false);
    listener.onHeader(ctx.channel(), json);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
      if (done) {
        held.add(evt);
      } else {
        fail(ctx, "tunnel: stream ended before its header");
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!done) {
      fail(ctx, "tunnel: stream closed before its header");
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!done) {
      fail(ctx, "tunnel: " + cause);
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (!done) {
      ctx.read();
      return;
    }
    ctx.pipeline().remove(this);
    if (held.isEmpty()) {
      ctx.read();
      return;
    }
    while (!held.isEmpty()) {
      Object o = held.poll();
      if (o instanceof ByteBuf) {
        ctx.fireChannelRead(o);
      } else {
        ctx.fireUserEventTriggered(o);
      }
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (cumulation != null) {
      cumulation.release();
      cumulation = null;
    }
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    if (failed) {
      return;
    }
    failed = true;
    done = true;
    if (cumulation != null) {
      cumulation.release();
      cumulation = null;
    }
    listener.onFailure(ctx.channel(), why);
    ctx.close();
  }

  /** The exception for a failed header, for futures. */
  public static IOException failure(String why) {
    return new IOException(why);
  }
}
