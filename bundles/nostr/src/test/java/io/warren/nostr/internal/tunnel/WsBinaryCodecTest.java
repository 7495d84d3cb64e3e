package io.warren.nostr.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;

class WsBinaryCodecTest {
  @Test
  void bytesTravelAsBinaryMessagesAndTextPassesBy() {
    EmbeddedChannel ch = new EmbeddedChannel(new WsBinaryCodec());
    ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
    BinaryWebSocketFrame out = ch.readOutbound();
    assertEquals(3, out.content().readableBytes());
    out.release();
    ch.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {4, 5})));
    ByteBuf in = ch.readInbound();
    assertEquals(2, in.readableBytes());
    in.release();
    ch.writeInbound(new TextWebSocketFrame("[\"NOTICE\",\"x\"]"));
    Object text = ch.readInbound();
    assertTrue(text instanceof TextWebSocketFrame);
    ((TextWebSocketFrame) text).release();
    ch.finishAndReleaseAll();
  }
}
