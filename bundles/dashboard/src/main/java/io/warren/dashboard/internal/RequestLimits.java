package io.warren.dashboard.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Before a body is gathered: a request may carry at most {@value #MAX_BODY} bytes, except a bundle
 * upload ({@value BundlePush#PATH}), which may carry up to {@link BundlePush#MAX_BYTES} but only
 * from a logged-in session with its CSRF token, checked on the headers, so that nobody else can make
 * the dashboard buffer megabytes. What is over its limit, by its Content-Length or by what arrives,
 * gets 413 and the connection is closed. At most {@value #MAX_UPLOADS} uploads are taken at once
 * (held from their headers until their answer is written); one more gets 503.
 */
final class RequestLimits extends ChannelDuplexHandler {
  static final int MAX_BODY = 16 * 1024;
  static final int MAX_UPLOADS = 2;
  private final DashboardServer server;
  private long limit;
  private long seen;
  private boolean refused;
  private boolean holding;

  RequestLimits(DashboardServer server) {
    this.server = server;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest req) {
      seen = 0;
      boolean upload = req.method().equals(HttpMethod.POST)
          && new QueryStringDecoder(req.uri()).path().equals(BundlePush.PATH);
      limit = upload ? BundlePush.MAX_BYTES : MAX_BODY;
      if (upload && !server.sessions().find(DashboardHandler.cookie(req.headers()))
          .map(s -> s.csrfMatches(req.headers().get(DashboardHandler.CSRF_HEADER))).orElse(false)) {
        refuse(ctx, msg, HttpResponseStatus.FORBIDDEN, "an upload needs a login and the session's "
            + DashboardHandler.CSRF_HEADER);
        return;
      }
      if (HttpUtil.getContentLength(req, 0L) > limit) {
        refuse(ctx, msg, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge(upload));
        return;
      }
      if (upload) {
        if (!server.uploads().tryAcquire()) {
          refuse(ctx, msg, HttpResponseStatus.SERVICE_UNAVAILABLE, MAX_UPLOADS + " uploads are in progress; "
              + "try again when one has finished");
          return;
        }
        holding = true;
      }
    }
    if (msg instanceof HttpContent c) {
      seen += c.content().readableBytes();
      if (seen > limit) {
        refuse(ctx, msg, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge(limit > MAX_BODY));
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse r && r.status().code() >= 200) { // not the aggregator's 100 Continue
      release();
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    ctx.fireChannelInactive();
  }

  private void release() {
    if (holding) {
      holding = false;
      server.uploads().release();
    }
  }

  private static String tooLarge(boolean upload) {
    return upload ? "the bundle is larger than " + BundlePush.MAX_BYTES / (1024 * 1024) + " MiB, the most the "
        + "dashboard takes; push it with deploy:push from the console"
        : "request body over " + MAX_BODY + " bytes";
  }

  private void refuse(ChannelHandlerContext ctx, Object msg, HttpResponseStatus status, String why) {
    ReferenceCountUtil.release(msg);
    refused = true;
    ctx.channel().config().setAutoRead(false);
    DashboardHandler.send(ctx, DashboardHandler.json(status, DashboardHandler.error(why)), false);
  }
}
