package io.warren.libp2p.internal.host;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a stream (auto-read off) until the peer closes its side, for short request/response
 * protocols such as identify. More than {@code limit} bytes resets the stream.
 */
public final class ReadToEnd extends ChannelInboundHandlerAdapter {
  private final int limit;
  private final String what;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();

  private ReadToEnd(int limit, String what) {
    this.limit = limit;
    this.what = what;
  }

  /** Adds the reader at the end of {@code ch}'s pipeline and starts reading. */
  public static CompletableFuture<byte[]> read(Channel ch, int limit, String what) {
    ReadToEnd r = new ReadToEnd(limit, what);
    ch.eventLoop().execute(() -> {
      ch.pipeline().addLast("read-to-end", r);
      if (!ch.isActive() && !StreamInbox.holding(ch)) {
        r.result.completeExceptionally(new IOException(what + ": stream closed"));
      }
    });
    return r.result;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf b = (ByteBuf) msg;
    try {
      if (bytes.size() + b.readableBytes() > limit) {
        result.completeExceptionally(new ProtocolException(what + ": message exceeds " + limit + " bytes"));
        Libp2pStream.reset(ctx.channel());
        return;
      }
      b.readBytes(bytes, b.readableBytes());
    } catch (IOException e) {
      result.completeExceptionally(e);
    } finally {
      b.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!result.isDone()) {
      ctx.read();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent) {
      result.complete(bytes.toByteArray());
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    result.completeExceptionally(new IOException(what + ": stream closed before its end (reset?)"));
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    result.completeExceptionally(cause);
    ctx.close();
  }
}
