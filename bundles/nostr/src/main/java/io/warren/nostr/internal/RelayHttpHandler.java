package io.warren.nostr.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The plain-HTTP side of the relay's port: the NIP-11 document for {@code Accept:
 * application/nostr+json}, CORS preflight, a short hint for other GETs. WebSocket upgrades and
 * everything after them pass through untouched.
 */
final class RelayHttpHandler extends ChannelInboundHandlerAdapter {
  static final String NOSTR_JSON = "application/nostr+json";
  private static final String HINT =
      "Warren Nostr relay: connect with a WebSocket (NIP-01), or send Accept: application/nostr+json (NIP-11).\n";

  private final String informationDocument;

  RelayHttpHandler(String informationDocument) {
    this.informationDocument = informationDocument;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest req)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (isUpgrade(req.headers())) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (!req.decoderResult().isSuccess()) {
        respond(ctx, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8", "bad request\n", false);
      } else if (req.method().equals(HttpMethod.OPTIONS)) {
        respond(ctx, HttpResponseStatus.NO_CONTENT, null, "", false);
      } else if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
        respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "use GET\n", false);
      } else if (accepts(req.headers(), NOSTR_JSON)) {
        respond(ctx, HttpResponseStatus.OK, NOSTR_JSON, informationDocument, req.method().equals(HttpMethod.HEAD));
      } else {
        respond(ctx, HttpResponseStatus.OK, "text/plain; charset=utf-8", HINT, req.method().equals(HttpMethod.HEAD));
      }
    } finally {
      req.release();
    }
  }

  private static boolean isUpgrade(HttpHeaders h) {
    return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && h.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }

  private static boolean accepts(HttpHeaders h, String type) {
    for (String accept : h.getAll(HttpHeaderNames.ACCEPT)) {
      for (String part : accept.split(",")) {
        if (part.split(";")[0].trim().equalsIgnoreCase(type)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body,
      boolean headOnly) {
    ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), body);
    int length = content.readableBytes();
    if (headOnly) {
      content.release();
      content = ctx.alloc().buffer(0);
    }
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    HttpHeaders h = res.headers();
    if (type != null) {
      h.set(HttpHeaderNames.CONTENT_TYPE, type);
    }
    if (status != HttpResponseStatus.NO_CONTENT) {
      h.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
    }
    // NIP-11: relays MUST accept CORS requests
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "*");
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS");
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }
}
