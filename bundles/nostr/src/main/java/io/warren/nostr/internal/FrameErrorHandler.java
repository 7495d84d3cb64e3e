package io.warren.nostr.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;

/**
 * Sits before Netty's WebSocket protocol handler, which would close the connection at once on a
 * bad frame, and turns the decoder's error into a {@link BadFrame} event for the {@link Session},
 * which tells the client why before closing.
 */
final class FrameErrorHandler extends ChannelInboundHandlerAdapter {

  /** The WebSocket decoder refused a frame (too large, or a protocol violation). */
  record BadFrame(CorruptedWebSocketFrameException cause) {}

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException c) {
      ctx.fireUserEventTriggered(new BadFrame(c));
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }
}
