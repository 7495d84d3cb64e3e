package io.warren.nostr.internal.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.util.List;

/**
 * Bytes over binary WebSocket messages: inbound binary messages become their content, outbound
 * {@code ByteBuf}s become one binary message each (a Yamux frame at most 64 KiB). Text frames pass
 * by untouched.
 */
public final class WsBinaryCodec extends MessageToMessageCodec<BinaryWebSocketFrame, ByteBuf> {
  public static final String NAME = "ws-binary";

  @Override
  protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
    out.add(new BinaryWebSocketFrame(msg.retain()));
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, BinaryWebSocketFrame msg, List<Object> out) {
    out.add(msg.content().retain());
  }
}
