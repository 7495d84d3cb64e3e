package io.warren.nostr.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.channel.Pacer;
import io.warren.api.channel.Splice;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * The device side of one gateway request: once the device accepted the stream, this handler takes
 * the gateway's place in the client's pipeline, the relay's own handlers after it are removed, the
 * request head goes to the device, and one {@link Splice} pumps the rest both ways (paced by the
 * device's bandwidth).
 *
 * <p>Request direction: the body still comes through the HTTP decoder (so a chunked body keeps
 * its chunk boundaries: it is re-chunked here); this handler turns it into bytes for the splice.
 * After a WebSocket (or other) upgrade the decoder is removed instead and bytes pass as they are.
 * Response direction: the splice writes the device's bytes from the decoder's context, around the
 * HTTP encoder, unparsed (without the codec, after an upgrade, straight to the connection) but for
 * the cookies of the response head, which {@link GatewayCookies} keeps on the device's host.
 *
 * <p>One request per connection: when the device's side of the stream ends, the client's
 * connection is closed once the response is flushed (the splice alone would only half-close it).
 *
 * <p>Messages that arrived before the splice (the body read while the device was being asked,
 * bytes the decoder held at an upgrade) are held and delivered at the splice's first read.
 */
final class GatewayTunnel extends ChannelDuplexHandler {
  /** The handler on the device's stream that ends the client's connection with the response. */
  static final String RESPONSE_END = "gateway-response-end";

  private final boolean chunked;
  private final ArrayDeque<Object> held;
  private boolean spliced;

  private GatewayTunnel(boolean chunked, ArrayDeque<Object> held) {
    this.chunked = chunked;
    this.held = held;
  }

  /**
   * Starts the tunnel on the client's event loop: {@code gateway} is the gateway handler's
   * context, {@code queued} what it held of the request so far (taken over).
   */
  static void start(ChannelHandlerContext gateway, Channel stream, ByteBuf head, boolean chunked, boolean upgrade,
      Pacer pacer, ArrayDeque<Object> queued) {
    ChannelPipeline p = gateway.pipeline();
    Channel client = gateway.channel();
    // the relay's handlers (aggregator, NIP-11, WebSocket, session) have no part in a tunnel
    while (p.last() != gateway.handler()) {
      p.removeLast();
    }
    GatewayTunnel tunnel = new GatewayTunnel(chunked, new ArrayDeque<>(queued));
    queued.clear();
    p.replace(gateway.handler(), Gateway.NAME, tunnel);
    stream.writeAndFlush(head);
    stream.pipeline().addLast(GatewayCookies.NAME, new GatewayCookies());
    stream.pipeline().addLast(RESPONSE_END, new ResponseEnd(client));
    Splice.Builder splice = Splice.between(client, stream).pace(pacer);
    if (upgrade) {
      // after the head the client speaks the upgraded protocol: stop parsing HTTP (what the
      // decoder held comes to this handler as bytes, and is held with the rest)
      p.remove(Gateway.HTTP_CODEC);
    } else {
      splice.writeToA(p.context(Gateway.HTTP_CODEC));
    }
    splice.start();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!spliced) {
      held.add(msg);
      return;
    }
    ByteBuf bytes = bytes(msg);
    if (bytes != null) {
      ctx.fireChannelRead(bytes);
    }
  }

  /** The splice's first read delivers what was held, in order; later reads go to the connection. */
  @Override
  public void read(ChannelHandlerContext ctx) {
    if (spliced || held.isEmpty()) {
      spliced = true;
      ctx.read();
      return;
    }
    spliced = true;
    while (!held.isEmpty()) {
      ByteBuf bytes = bytes(held.poll());
      if (bytes != null) {
        ctx.fireChannelRead(bytes);
      }
    }
    ctx.fireChannelReadComplete();
  }

  /** A message of the request as bytes for the device (null: nothing to send). */
  private ByteBuf bytes(Object msg) {
    if (msg instanceof ByteBuf b) {
      return b;
    }
    if (!(msg instanceof HttpContent c)) {
      ReferenceCountUtil.release(msg);
      return null;
    }
    if (!chunked) {
      return c.content();
    }
    ByteBuf data = c.content();
    boolean last = msg instanceof LastHttpContent;
    ByteBuf b = Unpooled.buffer(data.readableBytes() + 16);
    if (data.isReadable()) {
      b.writeCharSequence(Integer.toHexString(data.readableBytes()) + "\r\n", StandardCharsets.US_ASCII);
      b.writeBytes(data);
      b.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
    }
    if (last) {
      b.writeCharSequence("0\r\n\r\n", StandardCharsets.US_ASCII);
    }
    c.release();
    return b;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    held.forEach(ReferenceCountUtil::release);
    held.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    held.forEach(ReferenceCountUtil::release);
    held.clear();
  }

  /** Closes the client's connection after the response: the device's input ended (before the splice's handler). */
  private static final class ResponseEnd extends ChannelInboundHandlerAdapter {
    private final Channel client;

    ResponseEnd(Channel client) {
      this.client = client;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownReadComplete) {
        // queued on the client's loop after the response bytes the splice already handed over
        client.eventLoop().execute(() -> Splice.flushAndClose(client));
      }
      ctx.fireUserEventTriggered(evt);
    }
  }
}
