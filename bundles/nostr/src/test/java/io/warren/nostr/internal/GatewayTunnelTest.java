package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.junit.jupiter.api.Test;

/**
 * The device side of a gateway request through EmbeddedChannels: the relay's handlers are removed,
 * the head goes first, a chunked body read before the splice and after it reaches the device
 * re-chunked and in order, and the device's response reaches the client byte for byte, around the
 * HTTP encoder.
 */
class GatewayTunnelTest {

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  private static String text(Object msg) {
    ByteBuf b = (ByteBuf) msg;
    try {
      return b.toString(StandardCharsets.ISO_8859_1);
    } finally {
      b.release();
    }
  }

  /** Everything written to {@code ch} so far, as one string. */
  private static String outbound(EmbeddedChannel ch) {
    StringBuilder sb = new StringBuilder();
    for (Object o; (o = ch.readOutbound()) != null;) {
      sb.append(text(o));
    }
    return sb.toString();
  }

  @Test
  void aChunkedRequestGoesToTheDeviceAndTheResponseComesBackRaw() {
    ArrayDeque<Object> queued = new ArrayDeque<>();
    EmbeddedChannel client = new EmbeddedChannel();
    client.pipeline()
        .addLast(Gateway.HTTP_CODEC, new HttpServerCodec())
        .addLast(Gateway.NAME, new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            queued.add(msg); // as the router holds a tunnel's body while the device is asked
          }
        })
        .addLast("session", new ChannelInboundHandlerAdapter());
    client.writeInbound(ascii("POST /tunnel/dev/web/up HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3\r\nabc\r\n"));
    assertTrue(queued.poll() instanceof HttpRequest r && r.uri().startsWith("/tunnel/"), "the router took the head");
    EmbeddedChannel stream = new EmbeddedChannel();

    GatewayTunnel.start(client.pipeline().context(Gateway.NAME), stream, ascii("POST /up HTTP/1.1\r\n\r\n"), true,
        false,
        null, queued);
    assertNull(client.pipeline().get("session"), "the relay's own handlers are gone");
    assertTrue(client.pipeline().get(Gateway.NAME) instanceof GatewayTunnel);
    assertEquals("POST /up HTTP/1.1\r\n\r\n3\r\nabc\r\n", outbound(stream), "the head, then what was held, re-chunked");

    client.writeInbound(ascii("2\r\nde\r\n0\r\n\r\n"));
    assertEquals("2\r\nde\r\n0\r\n\r\n", outbound(stream), "the rest of the body, re-chunked, with its end");

    // raw bytes through the codec's context: the HTTP encoder would refuse a ByteBuf before a response head
    stream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
    assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", outbound(client));
    client.finishAndReleaseAll();
    stream.finishAndReleaseAll();
  }
}
