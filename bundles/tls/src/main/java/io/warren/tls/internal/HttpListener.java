package io.warren.tls.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.PeerDirectory;
import io.warren.api.channel.EventLoops;
import io.warren.tls.TlsCertificates.Route;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain HTTP listener (Netty's HTTP codec reads the first request's head): ACME HTTP-01
 * answers for every hostname ({@code /.well-known/acme-challenge/}), then by the Host header an
 * {@code http} route's target (the connection's bytes, as they came, spliced there: one
 * connection, one Host), else a redirect to HTTPS where the TLS listener serves the name, else 404.
 * It also serves as the {@link AcmeClient.Challenges} of requests while it runs.
 */
final class HttpListener implements AutoCloseable, AcmeClient.Challenges {
  private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);
  private static final int MAX_HEAD = 8192;
  private static final String RAW = "raw";
  private static final String CODEC = "http";

  /** What the listener asks about a name: its http route, and whether the TLS listener serves it. */
  interface Routes {
    Route http(String hostname);

    boolean servesTls(String hostname);
  }

  private final Channel server;
  private final EventLoops loops;
  private final PeerDirectory directory;
  private final Targets targets;
  private final Routes routes;
  private final TlsListener.Limits limits;
  private final Function<String, String> httpsAuthority;
  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private final Outcomes<Outcome> counts =
      new Outcomes<>(Outcome.class, "warren_tls_http_requests_total", "HTTP listener requests by what became of them");

  /**
   * What became of a connection's request, counted for {@code warren_tls_http_requests_total}: an
   * HTTP-01 answer (200, or 404 for an unknown token), forwarded by an http route, redirected
   * (301), no route (404), no or a bad Host or request (400), the route's targets unreachable (502),
   * closed at accept beyond max.connections, or closed without a request head in time.
   */
  enum Outcome {
    ACME_CHALLENGE, FORWARDED, REDIRECTED, NOT_FOUND, BAD_REQUEST, TARGET_FAILED, OVER_CONNECTIONS, TIMEOUT
  }

  HttpListener(EventLoops loops, PeerDirectory directory, Targets targets, String host, int port,
      TlsListener.Limits limits, Routes routes, Function<String, String> httpsAuthority) {
    this.loops = loops;
    this.directory = directory;
    this.targets = targets;
    this.routes = routes;
    this.limits = limits;
    this.httpsAuthority = httpsAuthority;
    var f = loops.spliceServer().childHandler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        if (open.incrementAndGet() > limits.connections()) {
          open.decrementAndGet();
          counts.count(Outcome.OVER_CONNECTIONS);
          ch.close();
          return;
        }
        ch.closeFuture().addListener(c -> open.decrementAndGet());
        ch.pipeline().addLast(RAW, new RawCopy()).addLast(CODEC, new HttpServerCodec(MAX_HEAD, MAX_HEAD, MAX_HEAD))
            .addLast("route", new HostRouter());
      }
    }).bind(new InetSocketAddress(host, port)).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalStateException("tls: cannot listen for HTTP on " + host + ":" + port + ": "
          + f.cause().getMessage(), f.cause());
    }
    server = f.channel();
  }

  String address() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void answer(String token, String keyAuthorization) {
    answers.put(token, keyAuthorization);
  }

  /** The end of one request's challenges: nothing is closed (the listener stays), the answers go. */
  @Override
  public void close() {
    answers.clear();
  }

  /** How many requests ended up so (tests). */
  long total(Outcome o) {
    return counts.total(o);
  }

  /** The listener's figures for Prometheus and node:metrics. */
  java.util.List<io.warren.api.Metric> samples() {
    java.util.List<io.warren.api.Metric> out = new java.util.ArrayList<>(counts.samples());
    out.add(io.warren.api.Metric.gauge("warren_tls_http_open_connections", "HTTP listener connections open",
        open.get()));
    return out;
  }

  void stop() {
    server.close().awaitUninterruptibly();
  }

  /**
   * Keeps a copy of the bytes read until the route is known, so a forwarded connection gets them as
   * they came; a client that sends more than {@link #MAX_EARLY} meanwhile is closed.
   */
  private static final class RawCopy extends ChannelInboundHandlerAdapter {
    private static final int MAX_EARLY = 64 * 1024;
    private CompositeByteBuf copy;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        if (copy == null) {
          copy = ctx.alloc().compositeBuffer();
        }
        copy.addComponent(true, b.retainedDuplicate());
        if (copy.readableBytes() > MAX_EARLY) {
          ReferenceCountUtil.release(msg);
          ctx.close();
          return;
        }
      }
      ctx.fireChannelRead(msg);
    }

    ByteBuf take() {
      ByteBuf c = copy == null ? Unpooled.EMPTY_BUFFER : copy;
      copy = null;
      return c;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      if (copy != null) {
        copy.release();
        copy = null;
      }
    }
  }

  private final class HostRouter extends ChannelInboundHandlerAdapter {
    private ScheduledFuture<?> deadline;
    private boolean decided;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      deadline = ctx.executor().schedule(() -> {
        counts.count(Outcome.TIMEOUT);
        ctx.close();
      }, limits.handshake().toMillis(), TimeUnit.MILLISECONDS);
      ctx.fireChannelActive();
      ctx.read();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      deadline.cancel(false);
      ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (decided || !(msg instanceof HttpRequest req)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      decided = true;
      deadline.cancel(false);
      ReferenceCountUtil.release(msg);
      if (!req.decoderResult().isSuccess()) {
        counts.count(Outcome.BAD_REQUEST);
        respond(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", null);
        return;
      }
      String uri = req.uri();
      if (uri.startsWith(ChallengeServer.PREFIX)) {
        String a = answers.get(uri.substring(ChallengeServer.PREFIX.length()));
        counts.count(Outcome.ACME_CHALLENGE);
        respond(ctx, a == null ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.OK, a == null ? "" : a, null);
        return;
      }
      String host = host(req.headers().get(HttpHeaderNames.HOST));
      if (host == null) {
        counts.count(Outcome.BAD_REQUEST);
        respond(ctx, HttpResponseStatus.BAD_REQUEST, "no Host header\n", null);
        return;
      }
      Route r = routes.http(host);
      if (r != null) {
        forward(ctx, r);
        return;
      }
      if (routes.servesTls(host)) {
        String to = "https://" + httpsAuthority.apply(host) + (uri.startsWith("/") ? uri : "/");
        counts.count(Outcome.REDIRECTED);
        respond(ctx, HttpResponseStatus.MOVED_PERMANENTLY, "", to);
        return;
      }
      counts.count(Outcome.NOT_FOUND);
      respond(ctx, HttpResponseStatus.NOT_FOUND, "no route for " + host + "\n", null);
    }

    private void forward(ChannelHandlerContext ctx, Route r) {
      Channel client = ctx.channel();
      ByteBuf raw = ((RawCopy) client.pipeline().get(RAW)).take();
      client.pipeline().remove(RAW);
      client.pipeline().remove(CODEC);
      Forward.connect(loops, directory, targets, client, r, port()).whenComplete((t, err) -> {
        if (err != null) {
          counts.count(Outcome.TARGET_FAILED);
          LOG.info("tls: http {}: {}", r.hostname(), err.getMessage());
          client.eventLoop().execute(() -> { // the codec is gone: the answer as bytes
            raw.release();
            client.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n", StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
          });
          return;
        }
        counts.count(Outcome.FORWARDED);
        client.eventLoop().execute(() -> {
          if (client.pipeline().get(HostRouter.class) != null) {
            client.pipeline().remove(this);
          }
          Forward.splice(client, t, raw, client instanceof io.netty.channel.socket.DuplexChannel d
              && d.isInputShutdown());
        });
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("tls: http connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  /** The host of a Host header, lower case, without a port; null when absent or not a hostname. */
  static String host(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String h = header.strip().toLowerCase(Locale.ROOT);
    int colon = h.lastIndexOf(':');
    if (colon > 0 && h.indexOf(']') < colon) {
      h = h.substring(0, colon);
    }
    return h;
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body, String location) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (location != null) {
      res.headers().set(HttpHeaderNames.LOCATION, location);
    }
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }
}
