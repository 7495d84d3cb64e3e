package io.warren.tls.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.warren.tls.TlsCertificates;
import io.warren.tls.TlsCertificates.Mode;
import io.warren.tls.TlsCertificates.Route;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * Reads the ClientHello (Netty's {@link AbstractSniHandler}: the bytes are kept, not answered) and
 * picks the route for its SNI, or the default route {@value TlsCertificates#DEFAULT_ROUTE} for a
 * name without a route and for no name (bytes that are not TLS count as no name). Then it steps out
 * of the pipeline: for a terminating route an {@link SslHandler} with the name's key takes its place
 * and the ClientHello; for passthrough the ClientHello goes on as it came. A failed lookup (no
 * route, or no key for a terminating one) ends in Netty's {@code SniCompletionEvent} with the cause.
 * Handlers after it learn the route from a {@link Routed} event fired before the bytes.
 */
final class HelloRouter extends AbstractSniHandler<HelloRouter.Selected> {
  /** The longest ClientHello read (Netty's default is 16 MiB; real ones are a few hundred bytes). */
  static final int MAX_HELLO = 16 * 1024;

  /** The route, and the context that terminates it (null for passthrough). */
  record Selected(Route route, SslContext context) {}

  /** Fired to the handlers after this one when a ClientHello is routed. */
  record Routed(Route route) {}

  /** The ALPN protocol of TLS-ALPN-01 validation (RFC 8737). */
  static final String ACME_TLS = "acme-tls/1";
  /** The route of a TLS-ALPN-01 validation: the handshake is the answer, nothing is forwarded. */
  static final Route ACME = new Route(ACME_TLS, ACME_TLS, 1, Mode.TERMINATE);

  private final Function<String, Route> routes;
  private final Function<String, SslContext> contexts;
  private final Function<String, SslContext> acmeChallenges;
  private final Duration handshake;
  private SslContext acme;

  HelloRouter(Function<String, Route> routes, Function<String, SslContext> contexts,
      Function<String, SslContext> acmeChallenges, Duration handshake) {
    super(MAX_HELLO, 0L); // the listener's own deadline covers the whole handshake
    this.routes = routes;
    this.contexts = contexts;
    this.acmeChallenges = acmeChallenges;
    this.handshake = handshake;
  }

  /** An ACME server validating TLS-ALPN-01 for a name with a challenge in progress gets the challenge's certificate. */
  @Override
  protected Future<Selected> lookup(ChannelHandlerContext ctx, io.netty.buffer.ByteBuf clientHello) throws Exception {
    if (clientHello != null) {
      ClientHellos.Hello h = ClientHellos.parse(clientHello);
      if (h.hostname() != null && h.protocols().contains(ACME_TLS)) {
        acme = acmeChallenges.apply(h.hostname());
      }
    }
    return super.lookup(ctx, clientHello);
  }

  @Override
  protected Future<Selected> lookup(ChannelHandlerContext ctx, String hostname) {
    if (acme != null) {
      return ctx.executor().newSucceededFuture(new Selected(ACME, acme));
    }
    String name = hostname == null ? null : hostname.toLowerCase(Locale.ROOT);
    Route r = name == null ? null : routes.apply(name);
    if (r == null) {
      r = routes.apply(TlsCertificates.DEFAULT_ROUTE);
    }
    if (r == null) {
      return ctx.executor().newFailedFuture(
          new SSLException(name == null ? "no SNI in the ClientHello" : "no route for " + name));
    }
    if (r.mode() == Mode.PASSTHROUGH) {
      return ctx.executor().newSucceededFuture(new Selected(r, null));
    }
    SslContext c = contexts.apply(name);
    return c == null
        ? ctx.executor().newFailedFuture(new SSLException("no certificate for " + name))
        : ctx.executor().newSucceededFuture(new Selected(r, c));
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Selected> future) {
    if (!future.isSuccess()) {
      return; // the SniCompletionEvent carries the cause; the route handler refuses
    }
    Selected s = future.getNow();
    ctx.fireUserEventTriggered(new Routed(s.route()));
    if (s.context() == null) {
      ctx.pipeline().remove(this); // the kept ClientHello goes on as it came
      return;
    }
    SslHandler ssl = s.context().newHandler(ctx.alloc());
    ssl.setHandshakeTimeout(handshake.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    ctx.pipeline().replace(this, "ssl", ssl);
  }
}
