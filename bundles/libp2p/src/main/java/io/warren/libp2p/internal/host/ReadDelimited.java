package io.warren.libp2p.internal.host;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.ProtocolException;
import io.warren.libp2p.internal.multiformats.Varint;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Reads one unsigned-varint length-prefixed message from a negotiated stream (auto-read off), then
 * leaves the pipeline; bytes after the message go back to the stream's {@link StreamInbox}, for
 * whoever reads next. A message above {@code limit} bytes, or the stream ending first, fails the
 * future (and closes the stream for a bad message).
 */
public final class ReadDelimited extends ChannelInboundHandlerAdapter {
  private final int limit;
  private final String what;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private CompositeByteBuf buffer;

  private ReadDelimited(int limit, String what) {
    this.limit = limit;
    this.what = what;
  }

  /** Adds the reader after the stream's inbox and starts reading; call on any thread. */
  public static CompletableFuture<byte[]> read(Channel ch, int limit, String what) {
    ReadDelimited r = new ReadDelimited(limit, what);
    ch.eventLoop().execute(() -> {
      if (!ch.isActive() && !StreamInbox.holding(ch)) {
        r.result.completeExceptionally(new IOException(what + ": stream closed"));
        return;
      }
      if (ch.pipeline().get(StreamInbox.NAME) != null) {
        ch.pipeline().addAfter(StreamInbox.NAME, "read-delimited", r);
      } else {
        ch.pipeline().addFirst("read-delimited", r);
      }
    });
    return r.result;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    buffer = ctx.alloc().compositeBuffer();
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (result.isDone()) {
      ctx.fireChannelRead(msg);
      return;
    }
    buffer.addComponent(true, (ByteBuf) msg);
    int start = buffer.readerIndex();
    long len;
    try {
      len = Varint.read(buffer);
    } catch (IllegalArgumentException e) {
      fail(ctx, new ProtocolException(what + ": bad length prefix: " + e.getMessage()));
      return;
    }
    if (len == Varint.INCOMPLETE) {
      return;
    }
    if (len > limit) {
      fail(ctx, new ProtocolException(what + ": message of " + len + " bytes exceeds " + limit));
      return;
    }
    if (buffer.readableBytes() < len) {
      buffer.readerIndex(start);
      return;
    }
    byte[] message = new byte[(int) len];
    buffer.readBytes(message);
    ByteBuf rest = buffer.isReadable() ? buffer.retainedSlice() : null;
    ctx.pipeline().remove(this);
    if (rest != null) {
      ChannelHandlerContext inbox = ctx.pipeline().context(StreamInbox.class);
      if (inbox != null) {
        ((StreamInbox) inbox.handler()).unshift(rest);
      } else {
        ctx.fireChannelRead(rest);
      }
    }
    result.complete(message);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!result.isDone()) {
      ctx.read();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent && !result.isDone()) {
      result.completeExceptionally(new IOException(what + ": stream ended before the message"));
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    result.completeExceptionally(new IOException(what + ": stream closed before the message"));
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (buffer != null) {
      buffer.release();
      buffer = null;
    }
  }

  private void fail(ChannelHandlerContext ctx, Throwable t) {
    result.completeExceptionally(t);
    ctx.close();
  }
}
