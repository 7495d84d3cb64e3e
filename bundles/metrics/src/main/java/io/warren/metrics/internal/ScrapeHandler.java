package io.warren.metrics.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code GET /metrics} (and {@code HEAD}) with a scrape of the registry, in the format the
 * {@code Accept} header asks for (OpenMetrics for Prometheus, else the text format 0.0.4); with a
 * bearer token configured, only requests carrying it. The scrape runs on the endpoint's own
 * worker, one at a time, so a slow source never holds a node event loop.
 */
final class ScrapeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String PATH = "/metrics";
  private static final Logger LOG = LoggerFactory.getLogger(ScrapeHandler.class);
  private final PrometheusRegistry registry;
  private final ExpositionFormats formats;
  private final Optional<byte[]> token;
  private final Executor scrapes;

  ScrapeHandler(PrometheusRegistry registry, ExpositionFormats formats, Optional<String> token, Executor scrapes) {
    this.registry = registry;
    this.formats = formats;
    this.token = token.map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8));
    this.scrapes = scrapes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    if (!req.decoderResult().isSuccess()) {
      reply(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
      return;
    }
    if (!PATH.equals(new QueryStringDecoder(req.uri()).path())) {
      reply(ctx, HttpResponseStatus.NOT_FOUND, "not found: metrics are at " + PATH + "\n", keepAlive);
      return;
    }
    if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
      reply(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD\n", keepAlive);
      return;
    }
    if (token.isPresent() && !authorised(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
      FullHttpResponse r = text(HttpResponseStatus.UNAUTHORIZED, "a bearer token is required\n");
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"warren metrics\"");
      send(ctx, r, false);
      return;
    }
    String accept = req.headers().get(HttpHeaderNames.ACCEPT);
    boolean head = req.method().equals(HttpMethod.HEAD);
    try {
      scrapes.execute(() -> scrape(ctx, accept, head, keepAlive));
    } catch (RejectedExecutionException e) {
      reply(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "too many scrapes at once\n", false);
    }
  }

  private void scrape(ChannelHandlerContext ctx, String accept, boolean head, boolean keepAlive) {
    ByteBuf body = ctx.alloc().buffer();
    try {
      ExpositionFormatWriter writer = formats.findWriter(accept);
      MetricSnapshots snapshots = registry.scrape();
      try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
        writer.write(out, snapshots);
      }
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          head ? Unpooled.EMPTY_BUFFER : body);
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      if (head) {
        body.release();
      }
      send(ctx, r, keepAlive);
    } catch (Exception | LinkageError e) {
      body.release();
      LOG.warn("metrics: scrape for {} failed", ctx.channel().remoteAddress(), e);
      reply(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed: " + e + "\n", false);
    }
  }

  private boolean authorised(String header) {
    return header != null && MessageDigest.isEqual(token.get(), header.strip().getBytes(StandardCharsets.UTF_8));
  }

  private static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, String message, boolean keepAlive) {
    send(ctx, text(status, message), keepAlive);
  }

  private static FullHttpResponse text(HttpResponseStatus status, String message) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    return r;
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
    if (keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(r);
    } else {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("metrics: connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
