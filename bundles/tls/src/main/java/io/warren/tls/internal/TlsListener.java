package io.warren.tls.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.PeerDirectory;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.IngressWire;
import io.warren.api.channel.OpenConnections;
import io.warren.tls.TlsCertificates.Mode;
import io.warren.tls.TlsCertificates.Route;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS listener. {@link HelloRouter} reads the ClientHello's SNI without answering it and picks the
 * route (the default route {@code *} for a name without one, or no name; else a refusal with an
 * {@code unrecognized_name} alert). A terminating route ends TLS here with the stored key for the
 * name; a passthrough route sends the TLS bytes on untouched. Either way the bytes go through a
 * stream in api's {@link IngressWire} protocol (the proxy bundle's ingress protocol: the target
 * node needs an ingress rule for this node and port) to the route's target, or to this node's
 * loopback for a {@code localhost} target. A source may have {@link Limits#perSource} handshakes in
 * progress, each at most {@link Limits#handshake} long.
 */
final class TlsListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TlsListener.class);
  /** Bytes a client may send before its target is connected. */
  private static final int EARLY_MAX = 64 * 1024;
  /** TLS alert record: fatal (2), unrecognized_name (112), sent when the SNI names nothing served here. */
  private static final byte[] UNRECOGNIZED_NAME = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70};

  /** What became of a connection, counted for {@code warren_tls_connections_total}. */
  enum Outcome {
    ACCEPTED, OVER_CONNECTIONS, OVER_SOURCE, REFUSED_NAME, HANDSHAKE_TIMEOUT, HANDSHAKE_FAILED, TERMINATED, PASSED_THROUGH, ACME_VALIDATION, TARGET_FAILED
  }

  /** The listener's budgets: connections at once, handshakes in progress per source, and a handshake's time. */
  record Limits(int connections, int perSource, Duration handshake) {}

  private final Channel server;
  private final EventLoops loops;
  private final Function<String, Route> routes;
  private final PeerDirectory directory;
  private final Targets targets;
  private final Limits limits;
  private final OpenConnections open;
  private final Outcomes<Outcome> counts =
      new Outcomes<>(Outcome.class, "warren_tls_connections_total", "TLS listener connections by what became of them");
  private final Map<InetAddress, Integer> handshaking = new ConcurrentHashMap<>();
  private final Map<String, io.netty.handler.ssl.SslContext> acmeChallenges = new ConcurrentHashMap<>();

  TlsListener(EventLoops loops, PeerDirectory directory, Targets targets, String host, int port, Limits limits,
      Function<String, io.netty.handler.ssl.SslContext> contexts, Function<String, Route> routes) {
    this.loops = loops;
    this.directory = directory;
    this.targets = targets;
    this.routes = routes;
    this.limits = limits;
    this.open = new OpenConnections(limits.connections());
    var f = loops.spliceServer()
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!open.admit(ch)) {
              LOG.debug("tls: {} connections open, the limit; {} is closed", open.max(), ch.remoteAddress());
              count(Outcome.OVER_CONNECTIONS);
              return;
            }
            InetAddress source = ch.remoteAddress().getAddress();
            if (!startHandshake(source)) {
              LOG.debug("tls: {} has {} handshakes in progress, the limit; one more is closed", source,
                  limits.perSource());
              count(Outcome.OVER_SOURCE);
              ch.close();
              return;
            }
            count(Outcome.ACCEPTED);
            ch.pipeline().addLast("hello", new HelloRouter(routes, contexts, acmeChallenges::get, limits.handshake()))
                .addLast("route", new RouteHandler(source));
          }
        }).bind(new InetSocketAddress(host, port)).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalStateException("tls: cannot listen on " + host + ":" + port + ": " + f.cause().getMessage(),
          f.cause());
    }
    server = f.channel();
  }

  private boolean startHandshake(InetAddress source) {
    boolean[] admitted = {false};
    handshaking.compute(source, (a, n) -> {
      int now = n == null ? 0 : n;
      admitted[0] = now < limits.perSource();
      return admitted[0] ? now + 1 : now == 0 ? null : now;
    });
    return admitted[0];
  }

  private void endHandshake(InetAddress source) {
    handshaking.computeIfPresent(source, (a, n) -> n <= 1 ? null : n - 1);
  }

  private void count(Outcome o) {
    counts.count(o);
  }

  /** How many connections ended up so (tests). */
  long total(Outcome o) {
    return counts.total(o);
  }

  /** The listener's figures for Prometheus and node:metrics. */
  java.util.List<io.warren.api.Metric> samples() {
    java.util.List<io.warren.api.Metric> out = new java.util.ArrayList<>(counts.samples());
    out.add(io.warren.api.Metric.gauge("warren_tls_open_connections", "TLS listener connections open", open.open()));
    out.add(io.warren.api.Metric.gauge("warren_tls_handshaking", "TLS listener handshakes in progress",
        handshaking.values().stream().mapToInt(Integer::intValue).sum()));
    return out;
  }

  /** Handshakes in progress from {@code source} (tests). */
  int handshaking(InetAddress source) {
    return handshaking.getOrDefault(source, 0);
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /**
   * TLS-ALPN-01 answers on this listener while a request runs: a ClientHello offering {@code
   * acme-tls/1} for a name with a challenge gets the challenge's certificate, and nothing more.
   */
  AcmeClient.Challenges acmeChallenges() {
    return new AcmeClient.Challenges() {
      @Override
      public String type() {
        return AcmeClient.TLS_ALPN_01;
      }

      @Override
      public void answerTls(String hostname, java.security.KeyPair key, java.security.cert.X509Certificate cert) {
        try {
          acmeChallenges.put(hostname, io.netty.handler.ssl.SslContextBuilder.forServer(key.getPrivate(), cert)
              .sslProvider(io.netty.handler.ssl.SslProvider.JDK)
              .applicationProtocolConfig(new io.netty.handler.ssl.ApplicationProtocolConfig(
                  io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
                  io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                  io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                  HelloRouter.ACME_TLS))
              .build());
        } catch (javax.net.ssl.SSLException e) {
          throw new IllegalStateException("no TLS-ALPN-01 context for " + hostname + ": " + e.getMessage(), e);
        }
      }

      @Override
      public void close() {
        acmeChallenges.clear();
      }
    };
  }

  String address() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
  }

  /**
   * Routes a connection once its ClientHello is read: terminating ones after their handshake,
   * passthrough ones at once; then joins it to the route's target.
   */
  private final class RouteHandler extends ChannelInboundHandlerAdapter {
    private final InetAddress source;
    private Route route;
    private CompositeByteBuf early;
    private ScheduledFuture<?> deadline;
    private boolean handshaking = true;
    private boolean refused;
    private boolean inputEnded;

    RouteHandler(InetAddress source) {
      this.source = source;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      deadline = ctx.executor().schedule(() -> {
        LOG.debug("tls: {} did not finish its handshake within {} s", ctx.channel().remoteAddress(),
            limits.handshake().toSeconds());
        count(Outcome.HANDSHAKE_TIMEOUT);
        ctx.close();
      }, limits.handshake().toMillis(), TimeUnit.MILLISECONDS);
      ctx.fireChannelActive();
      ctx.read();
    }

    private void handshakeDone() {
      if (handshaking) {
        handshaking = false;
        deadline.cancel(false);
        endHandshake(source);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof HelloRouter.Routed routed) {
        route = routed.route();
        if (route.mode() == Mode.PASSTHROUGH) { // the ClientHello follows as the first bytes to send on
          handshakeDone();
          count(Outcome.PASSED_THROUGH);
          early = ctx.alloc().compositeBuffer();
          connect(ctx.channel(), route);
        }
        return;
      }
      if (evt instanceof SniCompletionEvent sni) {
        if (!sni.isSuccess()) {
          LOG.debug("tls: refused a ClientHello from {}: {}", ctx.channel().remoteAddress(), sni.cause().getMessage());
          refused = true;
          count(Outcome.REFUSED_NAME);
          ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME)).addListener(ChannelFutureListener.CLOSE);
        }
        return;
      }
      if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
        if (early == null) { // nothing routed yet: a client that has ended has nothing to be routed
          ctx.close();
        } else {
          inputEnded = true; // passed on when the splice starts
        }
        return;
      }
      if (evt instanceof SslHandshakeCompletionEvent done) {
        handshakeDone();
        if (!done.isSuccess() || route == null || route == HelloRouter.ACME) { // a validation ends at the handshake
          count(!done.isSuccess() || route == null ? Outcome.HANDSHAKE_FAILED : Outcome.ACME_VALIDATION);
          ctx.close();
          return;
        }
        count(Outcome.TERMINATED);
        early = ctx.alloc().compositeBuffer();
        connect(ctx.channel(), route);
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (early == null || !(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      early.addComponent(true, buf);
      if (early.readableBytes() > EARLY_MAX) {
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      handshakeDone();
      release();
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!refused) { // a refused name's alert is on its way, then the close
        LOG.debug("tls: connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
      }
    }

    private void release() {
      if (early != null) {
        early.release();
        early = null;
      }
    }

    private void connect(Channel client, Route r) {
      Forward.connect(loops, directory, targets, client, r, port()).whenComplete((t, err) -> {
        if (err != null) {
          if (!(err instanceof Forward.ClientLeft)) {
            count(Outcome.TARGET_FAILED);
            LOG.info("tls: {}: {}", r.hostname(), err.getMessage());
          }
          client.close();
          return;
        }
        client.eventLoop().execute(() -> {
          if (early == null) { // the client left meanwhile
            t.rest().release();
            t.channel().close();
            return;
          }
          client.pipeline().remove(this);
          CompositeByteBuf pending = early;
          early = null;
          Forward.splice(client, t, pending, inputEnded);
        });
      });
    }
  }
}
