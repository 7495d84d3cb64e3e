package io.warren.nostr.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway on one relay connection, right after the HTTP codec: a request on a device's own
 * host ({@link GatewayHosts}) goes to that device; on the relay's origin it passes everything that
 * is not {@code /tunnel/...} or {@code /api/...} on to the relay (NIP-11, the WebSocket upgrade),
 * answers {@code /api} requests, redirects {@code /tunnel} requests to the device's host when there
 * is a gateway domain, and otherwise for a {@code /tunnel} request finds the device and its service,
 * checks authorization and opens the device's stream, then hands the connection over to
 * {@link GatewayTunnel}. See {@link Gateway} for the rules.
 */
final class GatewayHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);

  /** IDLE: routing; SWALLOW: dropping the rest of a request answered here; WAITING: holding a tunnel's body. */
  private enum State {
    IDLE, SWALLOW, WAITING
  }

  private final Gateway gateway;
  private final DeviceHub hub;
  private final ArrayDeque<Object> queued = new ArrayDeque<>();
  private State state = State.IDLE;
  private ChannelHandlerContext ctx;
  private boolean closeAfter;

  GatewayHandler(Gateway gateway) {
    this.gateway = gateway;
    this.hub = gateway.hub();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case IDLE -> {
        if (msg instanceof HttpRequest req && route(req)) {
          if (msg instanceof LastHttpContent && state == State.SWALLOW) {
            state = State.IDLE;
          }
          ReferenceCountUtil.release(msg);
        } else {
          ctx.fireChannelRead(msg);
        }
      }
      case SWALLOW -> {
        if (msg instanceof LastHttpContent) {
          state = State.IDLE;
        }
        ReferenceCountUtil.release(msg);
      }
      case WAITING -> queued.add(msg);
    }
  }

  /**
   * Routes a request head by its Host (a device's host, see {@link GatewayHosts}) and then its
   * path; returns false for what is the relay's (passed on).
   */
  private boolean route(HttpRequest req) {
    String domain = hub.settings().gatewayDomain();
    if (!domain.isEmpty() && req.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
      // which origin would it be? (RFC 9112 3.2: a server answers 400)
      fail(HttpResponseStatus.BAD_REQUEST, "more than one Host header");
      return true;
    }
    GatewayHosts.Route route = GatewayHosts.route(domain, req.headers().get(HttpHeaderNames.HOST));
    boolean onDevice = route instanceof GatewayHosts.Device;
    if (!onDevice && !req.uri().startsWith("/api/") && !req.uri().startsWith("/tunnel/")
        && !(route instanceof GatewayHosts.Misdirected)) {
      return false;
    }
    // answered here unless a tunnel starts (which holds the body instead)
    state = State.SWALLOW;
    if (route instanceof GatewayHosts.Misdirected m) {
      fail(HttpResponseStatus.MISDIRECTED_REQUEST, m.message());
    } else if (!onDevice && req.uri().startsWith("/api/")) {
      api(req);
    } else if (!hub.settings().gateway()) {
      fail(HttpResponseStatus.NOT_FOUND, "the HTTP gateway is off on this relay (gateway.enabled = false)");
    } else if (route instanceof GatewayHosts.Device d) {
      hostTunnel(req, d);
    } else if (domain.isEmpty()) {
      pathTunnel(req);
    } else {
      redirect(req, domain);
    }
    return true;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseQueued();
    ctx.fireChannelInactive();
  }

  private void releaseQueued() {
    queued.forEach(ReferenceCountUtil::release);
    queued.clear();
  }

  // ---------------------------------------------------------------- /api

  private void api(HttpRequest req) {
    // one request per connection, like the rest of the relay's HTTP (see RequestHeadGuard)
    closeAfter = true;
    GatewayApi.Answer a = new GatewayApi(gateway).answer(new QueryStringDecoder(req.uri()).path());
    Gateway.respond(ctx, a.status(), "application/json", Json.write(a.body()), closeAfter);
  }

  // ---------------------------------------------------------------- /tunnel

  /** A request on a device's own host: {@code /<service>/<path>}. */
  private void hostTunnel(HttpRequest req, GatewayHosts.Device d) {
    Target t = target(req.uri(), false);
    if (t != null) {
      tunnel(req, new TunnelWire.DeviceRef(d.hex(), TunnelWire.callsign(d.hex())), t, "/" + t.service(), d.host());
    }
  }

  /** A request on the relay's origin when there is no gateway domain: {@code /tunnel/<device>/<service>/<path>}. */
  private void pathTunnel(HttpRequest req) {
    Target t = target(req.uri(), true);
    if (t == null) {
      return;
    }
    TunnelWire.DeviceRef ref;
    try {
      ref = TunnelWire.parseDevice(t.device());
    } catch (IllegalArgumentException e) {
      fail(HttpResponseStatus.BAD_REQUEST, e.getMessage());
      return;
    }
    tunnel(req, ref, t, "/tunnel/" + t.device() + "/" + t.service(), null);
  }

  /**
   * {@code /tunnel/<device>/<service>/<path>} when devices have their own hosts: a permanent
   * redirect to {@code //<npub>.<domain>[:port]/<service>/<path>} (scheme-relative, so the client
   * keeps its scheme; the port is the one it used), never the device's content on the relay's
   * origin. A callsign is resolved among the connected devices; 404 when none has it.
   */
  private void redirect(HttpRequest req, String domain) {
    Target t = target(req.uri(), true);
    if (t == null) {
      return;
    }
    TunnelWire.DeviceRef ref;
    try {
      ref = TunnelWire.parseDevice(t.device());
    } catch (IllegalArgumentException e) {
      fail(HttpResponseStatus.BAD_REQUEST, e.getMessage());
      return;
    }
    String hex = ref.hex();
    if (hex == null) {
      DeviceHub.Device device = hub.find(ref);
      if (device == null) {
        fail(HttpResponseStatus.NOT_FOUND, "device " + ref.callsign() + " is not connected to this relay");
        return;
      }
      hex = device.hex();
    }
    String port = GatewayHosts.port(req.headers().get(HttpHeaderNames.HOST));
    Gateway.redirect(ctx, HttpResponseStatus.PERMANENT_REDIRECT,
        "//" + GatewayHosts.host(hex, domain) + port + "/" + t.service() + t.path() + t.query());
  }

  /** A request target split: the device (path style only), the service, the path for the device and the query. */
  private record Target(String device, String service, String path, String query) {}

  /**
   * Splits {@code uri}: {@code /tunnel/<device>/<service>/<path>} when {@code withDevice}, else
   * {@code /<service>/<path>}. On a bad target answers (400, or 404 for a device host's root) and
   * returns null.
   */
  private Target target(String uri, boolean withDevice) {
    if (!uri.startsWith("/")) {
      fail(HttpResponseStatus.BAD_REQUEST, "expected a path (origin-form request target)");
      return null;
    }
    String rest = withDevice ? uri.substring("/tunnel/".length()) : uri.substring(1);
    int q = rest.indexOf('?');
    String query = q >= 0 ? rest.substring(q) : "";
    String path = q >= 0 ? rest.substring(0, q) : rest;
    int first = withDevice ? 1 : 0;
    String[] parts = path.split("/", first + 2);
    if (parts.length <= first || parts[first].isEmpty()) {
      fail(withDevice ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.NOT_FOUND,
          withDevice ? "expected /tunnel/<device>/<service>/<path>" : "expected /<service>/<path> on a device's host");
      return null;
    }
    String service = parts[first];
    if (!TunnelWire.validServiceName(service)) {
      fail(HttpResponseStatus.BAD_REQUEST, "invalid service name '" + TunnelWire.printable(service)
          + "' (expected a-z, 0-9, - and _, at most 32)");
      return null;
    }
    return new Target(withDevice ? parts[0] : null, service, "/" + (parts.length > first + 1 ? parts[first + 1] : ""),
        query);
  }

  /**
   * Looks the service up and goes on with {@link #tunnel(HttpRequest, DeviceHub.Device, Event, Target, String,
   * String)}; {@code authHost} is the host a NIP-98 token's u tag must name (a device's host; null on the relay's
   * origin, where the path names the device).
   */
  private void tunnel(HttpRequest req, TunnelWire.DeviceRef ref, Target t, String prefix, String authHost) {
    state = State.WAITING;
    ctx.channel().config().setAutoRead(false);
    DeviceHub.Device device = hub.find(ref);
    if (device == null) {
      fail(HttpResponseStatus.NOT_FOUND, "device " + ref.callsign() + " is not connected to this relay");
      return;
    }
    String service = t.service();
    // the store lookup runs off the event loop (H2 may wait for the writer's transaction)
    CompletableFuture.supplyAsync(() -> gateway.service(device.hex(), service), gateway.relay().queryExecutor())
        .whenComplete((announcement, err) -> ctx.executor().execute(() -> {
          if (err != null) {
            LOG.warn("Gateway: looking up service {} of {} failed", service, device.callsign(), err);
            fail(HttpResponseStatus.BAD_GATEWAY, "cannot look up the service");
          } else if (ctx.channel().isActive()) {
            tunnel(req, device, announcement, t, prefix, authHost);
          }
        }));
  }

  private void tunnel(HttpRequest req, DeviceHub.Device device, Event announcement, Target t, String prefix,
      String authHost) {
    String service = t.service();
    if (announcement == null) {
      fail(HttpResponseStatus.NOT_FOUND, "device " + device.callsign() + " announces no service '" + service + "'");
      return;
    }
    boolean isPublic = "true".equals(announcement.firstTagValue("public").orElse("false"));
    List<List<String>> extra = new ArrayList<>();
    extra.add(List.of("gateway", "http"));
    String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (auth != null) {
      try {
        long now = System.currentTimeMillis() / 1000;
        Event a = Nip98.checkHeader(auth, req.method().name(), authHost, req.uri(), now);
        // keyed on the signature: two tokens a client signs in the same second for the same URL share an id, but
        // not a signature (BIP-340 signs with fresh randomness, and nobody else can make another one)
        String replay = gateway.replays().use(a.sig(), now);
        if (replay != null) {
          fail(HttpResponseStatus.FORBIDDEN, "invalid Authorization: " + replay);
          return;
        }
        extra.add(List.of("auth", a.toJson()));
      } catch (NostrException | IllegalArgumentException e) {
        fail(HttpResponseStatus.FORBIDDEN, "invalid Authorization: " + e.getMessage());
        return;
      }
    } else if (!isPublic) {
      fail(HttpResponseStatus.UNAUTHORIZED, "service '" + service + "' of " + device.callsign()
          + " is not public: send a NIP-98 Authorization header from a key the device allows");
      return;
    }
    // only a WebSocket upgrade switches the connection to raw bytes (RequestHeadGuard refused any other but h2c,
    // which is ignored: its headers are not passed on)
    boolean upgrade = req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && req.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    ByteBuf head = head(req, t.path() + t.query(), prefix, upgrade);
    Event request = hub.request(device.hex(), TunnelWire.SERVICE_PREFIX + service, extra);
    hub.open(device, request).whenComplete((s, err) -> ctx.executor().execute(() -> {
      if (err != null) {
        head.release();
        String reason = err.getMessage();
        fail(reason.startsWith("restricted:") || reason.startsWith("blocked:") ? HttpResponseStatus.FORBIDDEN
            : reason.startsWith("rate-limited:") ? HttpResponseStatus.TOO_MANY_REQUESTS
                : HttpResponseStatus.BAD_GATEWAY,
            reason);
        return;
      }
      if (!ctx.channel().isActive()) {
        head.release();
        s.close();
        return;
      }
      GatewayTunnel.start(ctx, s, head, chunked, upgrade, device.throttle, queued);
    }));
  }

  private void fail(HttpResponseStatus status, String message) {
    releaseQueued();
    state = State.SWALLOW;
    Gateway.respond(ctx, status, "text/plain; charset=utf-8", message + "\n", true);
  }

  /** The request head as the device's service gets it. */
  private ByteBuf head(HttpRequest req, String target, String prefix, boolean upgrade) {
    StringBuilder sb = new StringBuilder(256);
    sb.append(req.method().name()).append(' ').append(target).append(" HTTP/1.1\r\n");
    for (Map.Entry<String, String> h : req.headers()) {
      String n = h.getKey().toLowerCase(Locale.ROOT);
      if (n.equals("authorization") || n.equals("proxy-authorization") || n.equals("forwarded")
          || n.equals("keep-alive") || n.equals("proxy-connection")
          || (!upgrade && (n.equals("connection") || n.equals("upgrade") || n.equals("http2-settings")))
          || n.startsWith("x-forwarded-")) {
        continue;
      }
      sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (!upgrade) {
      sb.append("Connection: close\r\n");
    }
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a) {
      sb.append("X-Forwarded-For: ").append(a.getAddress().getHostAddress()).append("\r\n");
    }
    sb.append("X-Forwarded-Prefix: ").append(prefix).append("\r\n\r\n");
    return Unpooled.copiedBuffer(sb, StandardCharsets.ISO_8859_1);
  }
}
