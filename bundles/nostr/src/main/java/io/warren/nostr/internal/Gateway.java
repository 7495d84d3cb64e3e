package io.warren.nostr.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.warren.yamux.Yamux;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's HTTP side for devices: {@code /tunnel/<device>/<service>/<path>} streams requests to
 * a device's service and responses back, and {@code /api/status}, {@code /api/devices[/<id>]}
 * answer JSON.
 *
 * <p>The gateway forwards the request head (path rewritten to {@code /<path>}, {@code Connection:
 * close} unless it is an upgrade, {@code X-Forwarded-For} and {@code X-Forwarded-Prefix} added,
 * the {@code Authorization} header removed) and then streams the body as it comes (re-chunked when
 * the client sent chunks); the response is copied back byte for byte, unparsed, until the device's
 * side closes, so chunked and large responses and WebSocket upgrades pass through without being
 * buffered. One request per client connection: the connection closes after the response.
 *
 * <p>Authorization, fail closed: a service the device announced as public is open to anyone (the
 * device still applies its block list); anything else needs a NIP-98 {@code Authorization: Nostr
 * <base64 event>} header, which the relay checks (signature, kind 27235, method, URL, time) and
 * passes to the device, which accepts it only from a key in its allow list. No header: 401;
 * a bad header or a refusal: 403; a device that is not connected or a service it does not announce:
 * 404.
 */
final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final DeviceHub hub;
  private final EventStore store;
  private final RelayServer relay;

  Gateway(DeviceHub hub, EventStore store, RelayServer relay) {
    this.hub = hub;
    this.store = store;
    this.relay = relay;
  }

  ChannelInboundHandlerAdapter handler() {
    return new Handler();
  }

  /** The service announcement of a device, or null. */
  Event service(String hex, String name) {
    Filter f = new Filter(null, Set.of(hex), Set.of(TunnelWire.SERVICE_KIND), Map.of('d', Set.of(name)), null, null, 1);
    List<EventStore.Row> rows = store.query(List.of(f), 1, 1);
    return rows.isEmpty() ? null : Event.parse(rows.get(0).json());
  }

  List<Map<String, Object>> services(String hex) {
    Filter f = new Filter(null, Set.of(hex), Set.of(TunnelWire.SERVICE_KIND), null, null, null, 100);
    List<Map<String, Object>> out = new ArrayList<>();
    for (EventStore.Row r : store.query(List.of(f), 100, 100)) {
      Event e = Event.parse(r.json());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", e.dTag());
      m.put("protocol", e.firstTagValue("protocol").orElse(""));
      m.put("public", "true".equals(e.firstTagValue("public").orElse("false")));
      m.put("description", e.content());
      out.add(m);
    }
    return out;
  }

  private enum State { IDLE, SWALLOW, WAITING, STREAMING }

  private final class Handler extends ChannelInboundHandlerAdapter {
    private State state = State.IDLE;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private Channel stream;
    private boolean chunked;
    private boolean upgrade;
    private ChannelHandlerContext ctx;
    private boolean closeAfter;
    private io.warren.nostr.internal.tunnel.Throttle throttle;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      switch (state) {
        case IDLE -> {
          if (msg instanceof HttpRequest req && (req.uri().startsWith("/tunnel/") || req.uri().startsWith("/api/"))) {
            if (req.uri().startsWith("/api/")) {
              state = State.SWALLOW;
              api(req);
            } else {
              tunnel(req);
            }
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
        case STREAMING -> forward(msg);
      }
    }

    // ---------------------------------------------------------------- /api

    private void api(HttpRequest req) {
      closeAfter = !HttpUtil.isKeepAlive(req);
      String path = new QueryStringDecoder(req.uri()).path();
      Map<String, Object> body;
      if (path.equals("/api/status")) {
        body = new LinkedHashMap<>();
        body.put("version", relay.version());
        body.put("url", relay.url());
        body.put("uptime_seconds", (System.currentTimeMillis() - relay.startedAt()) / 1000);
        body.put("connections", relay.connections());
        List<DeviceHub.Device> devices = hub.devices();
        body.put("devices", devices.size());
        body.put("tunnels", devices.stream().mapToInt(DeviceHub.Device::tunnels).sum());
        body.put("stored_events", relay.storedEvents());
      } else if (path.equals("/api/devices")) {
        List<Object> list = new ArrayList<>();
        for (DeviceHub.Device d : hub.devices()) {
          list.add(device(d, false));
        }
        body = Map.of("devices", list);
      } else if (path.startsWith("/api/devices/")) {
        String id = path.substring("/api/devices/".length());
        DeviceHub.Device d;
        try {
          d = hub.find(TunnelWire.parseDevice(id));
        } catch (IllegalArgumentException e) {
          error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
          return;
        }
        if (d == null) {
          error(HttpResponseStatus.NOT_FOUND, "device " + TunnelWire.printable(id) + " is not connected");
          return;
        }
        body = device(d, true);
      } else {
        error(HttpResponseStatus.NOT_FOUND, "no such API: " + TunnelWire.printable(path));
        return;
      }
      respond(HttpResponseStatus.OK, "application/json", Json.write(body), closeAfter);
    }

    private Map<String, Object> device(DeviceHub.Device d, boolean withServices) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("callsign", d.callsign());
      m.put("pubkey", d.hex());
      m.put("npub", TunnelWire.npub(d.hex()));
      m.put("connected_since", d.since().toString());
      m.put("tunnels", d.tunnels());
      m.put("tunnels_opened", d.tunnelsOpened());
      if (withServices) {
        m.put("services", services(d.hex()));
      }
      return m;
    }

    // ---------------------------------------------------------------- /tunnel

    private void tunnel(HttpRequest req) {
      state = State.WAITING;
      ctx.channel().config().setAutoRead(false);
      if (!hub.settings().gateway()) {
        fail(HttpResponseStatus.NOT_FOUND, "the HTTP gateway is off on this relay (gateway.enabled = false)");
        return;
      }
      String uri = req.uri();
      String rest = uri.substring("/tunnel/".length());
      int q = rest.indexOf('?');
      String query = q >= 0 ? rest.substring(q) : "";
      String path = q >= 0 ? rest.substring(0, q) : rest;
      String[] parts = path.split("/", 3);
      if (parts.length < 2 || parts[1].isEmpty()) {
        fail(HttpResponseStatus.BAD_REQUEST, "expected /tunnel/<device>/<service>/<path>");
        return;
      }
      TunnelWire.DeviceRef ref;
      try {
        ref = TunnelWire.parseDevice(parts[0]);
      } catch (IllegalArgumentException e) {
        fail(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        return;
      }
      String service = parts[1];
      if (!TunnelWire.validServiceName(service)) {
        fail(HttpResponseStatus.BAD_REQUEST, "invalid service name '" + TunnelWire.printable(service)
            + "' (expected a-z, 0-9, - and _, at most 32)");
        return;
      }
      String target = "/" + (parts.length > 2 ? parts[2] : "") + query;
      DeviceHub.Device device = hub.find(ref);
      if (device == null) {
        fail(HttpResponseStatus.NOT_FOUND, "device " + ref.callsign() + " is not connected to this relay");
        return;
      }
      // the store lookup runs off the event loop (H2 may wait for the writer's transaction)
      java.util.concurrent.CompletableFuture.supplyAsync(() -> service(device.hex(), service), relay.queryExecutor())
          .whenComplete((announcement, err) -> ctx.executor().execute(() -> {
            if (err != null) {
              LOG.warn("Gateway: looking up service {} of {} failed", service, device.callsign(), err);
              fail(HttpResponseStatus.BAD_GATEWAY, "cannot look up the service");
            } else if (ctx.channel().isActive()) {
              tunnel(req, device, service, announcement, target, parts[0]);
            }
          }));
    }

    private void tunnel(HttpRequest req, DeviceHub.Device device, String service, Event announcement, String target,
        String deviceName) {
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
          Event a = checkNip98(auth, req, System.currentTimeMillis() / 1000);
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
      upgrade = req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
      chunked = HttpUtil.isTransferEncodingChunked(req);
      ByteBuf head = head(req, target, "/tunnel/" + deviceName + "/" + service);
      Event request = hub.request(device.hex(), TunnelWire.SERVICE_PREFIX + service, extra);
      hub.open(device, request).whenComplete((s, err) -> ctx.executor().execute(() -> {
        if (err != null) {
          head.release();
          String reason = err.getMessage();
          fail(reason.startsWith("restricted:") || reason.startsWith("blocked:") ? HttpResponseStatus.FORBIDDEN
              : reason.startsWith("rate-limited:") ? HttpResponseStatus.TOO_MANY_REQUESTS
              : HttpResponseStatus.BAD_GATEWAY, reason);
          return;
        }
        if (!ctx.channel().isActive()) {
          head.release();
          s.close();
          return;
        }
        stream = s;
        state = State.STREAMING;
        throttle = device.throttle;
        s.pipeline().addLast("gateway-response", new Response(ctx.channel(), device.throttle));
        s.writeAndFlush(head);
        ctx.channel().closeFuture().addListener(f -> s.close());
        if (upgrade) {
          // after the head the client speaks the upgraded protocol: stop parsing HTTP
          ctx.pipeline().remove("http");
        }
        while (!queued.isEmpty()) {
          forward(queued.poll());
        }
        ctx.read();
      }));
    }

    private void forward(Object msg) {
      Channel s = stream;
      ByteBuf out;
      boolean last = false;
      if (msg instanceof HttpContent c) {
        ByteBuf data = c.content();
        last = msg instanceof LastHttpContent;
        if (chunked) {
          ByteBuf b = Unpooled.buffer(data.readableBytes() + 16);
          if (data.isReadable()) {
            b.writeCharSequence(Integer.toHexString(data.readableBytes()) + "\r\n", StandardCharsets.US_ASCII);
            b.writeBytes(data);
            b.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
          }
          if (last) {
            b.writeCharSequence("0\r\n\r\n", StandardCharsets.US_ASCII);
          }
          out = b;
          c.release();
        } else {
          out = data;
        }
      } else if (msg instanceof ByteBuf b) {
        out = b;
      } else {
        ReferenceCountUtil.release(msg);
        ctx.read();
        return;
      }
      int n = out.readableBytes();
      s.writeAndFlush(out).addListener(f -> {
        if (f.isSuccess()) {
          readAfter(ctx, throttle, n);
        } else {
          ctx.close();
        }
      });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (stream != null && (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete)) {
        Yamux.shutdownOutput(stream);
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      queued.forEach(ReferenceCountUtil::release);
      queued.clear();
      if (stream != null) {
        stream.close();
      }
      ctx.fireChannelInactive();
    }

    private void fail(HttpResponseStatus status, String message) {
      queued.forEach(ReferenceCountUtil::release);
      queued.clear();
      state = State.SWALLOW;
      respond(status, "text/plain; charset=utf-8", message + "\n", true);
    }

    private void error(HttpResponseStatus status, String message) {
      respond(status, "application/json", Json.write(Map.of("error", message)), closeAfter);
    }

    private void respond(HttpResponseStatus status, String type, String body, boolean close) {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(b));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, b.length)
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
      if (status == HttpResponseStatus.UNAUTHORIZED) {
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Nostr");
      }
      if (close) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.writeAndFlush(r);
      }
    }

    private ByteBuf head(HttpRequest req, String target, String prefix) {
      StringBuilder sb = new StringBuilder(256);
      sb.append(req.method().name()).append(' ').append(target).append(" HTTP/1.1\r\n");
      for (Map.Entry<String, String> h : req.headers()) {
        String n = h.getKey().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("authorization") || n.equals("keep-alive") || n.equals("proxy-connection")
            || (!upgrade && n.equals("connection")) || n.startsWith("x-forwarded-")) {
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

  /** The next read, after the device's bandwidth allows it. */
  static void readAfter(ChannelHandlerContext ctx, io.warren.nostr.internal.tunnel.Throttle throttle, int bytes) {
    long delay = throttle == null ? 0 : throttle.delayNanos(bytes);
    if (delay > 0) {
      ctx.executor().schedule(() -> ctx.read(), delay, java.util.concurrent.TimeUnit.NANOSECONDS);
    } else {
      ctx.read();
    }
  }

  /** Copies the device's response bytes to the client, unparsed, with read-after-write. */
  private static final class Response extends ChannelInboundHandlerAdapter {
    private final Channel client;
    private final io.warren.nostr.internal.tunnel.Throttle throttle;

    Response(Channel client, io.warren.nostr.internal.tunnel.Throttle throttle) {
      this.client = client;
      this.throttle = throttle;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.channel().eventLoop().execute(ctx::read);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf b)) {
        ReferenceCountUtil.release(msg);
        ctx.read();
        return;
      }
      // written from the codec's context: raw bytes, around the HTTP encoder
      ChannelHandlerContext http = client.pipeline().context("http");
      int n = b.readableBytes();
      (http != null ? http.writeAndFlush(b) : client.writeAndFlush(b)).addListener(f -> {
        if (f.isSuccess()) {
          readAfter(ctx, throttle, n);
        } else {
          ctx.close();
        }
      });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        client.eventLoop().execute(() -> client.writeAndFlush(Unpooled.EMPTY_BUFFER)
            .addListener(ChannelFutureListener.CLOSE));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      client.eventLoop().execute(() -> client.writeAndFlush(Unpooled.EMPTY_BUFFER)
          .addListener(ChannelFutureListener.CLOSE));
      ctx.fireChannelInactive();
    }
  }

  /**
   * Checks a NIP-98 Authorization header for {@code req}: kind 27235, created_at within
   * {@value TunnelWire#REQUEST_WINDOW_SECONDS} s, a method tag equal to the request's, a u tag whose
   * path and query are the request's, a valid signature.
   */
  static Event checkNip98(String header, HttpRequest req, long now) {
    return checkNip98(header, req.method().name(), req.uri(), now);
  }

  static Event checkNip98(String header, String method, String uri, long now) {
    if (!header.regionMatches(true, 0, "Nostr ", 0, 6)) {
      throw new NostrException("expected 'Nostr <base64 event>'");
    }
    String json;
    try {
      json = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new NostrException("not base64");
    }
    Event e = Event.parse(json);
    checkHttpAuth(e, now);
    if (!method.equalsIgnoreCase(e.firstTagValue("method").orElse(""))) {
      throw new NostrException("the method tag does not match the request's method");
    }
    String u = e.firstTagValue("u").orElse("");
    if (!uri.equals(pathAndQuery(u))) {
      throw new NostrException("the u tag does not name this URL");
    }
    return e;
  }

  /** Kind, time and signature of a NIP-98 event. */
  static void checkHttpAuth(Event e, long now) {
    if (e.kind() != TunnelWire.HTTP_AUTH_KIND) {
      throw new NostrException("the event must be of kind " + TunnelWire.HTTP_AUTH_KIND);
    }
    if (Math.abs(now - e.createdAt()) > TunnelWire.REQUEST_WINDOW_SECONDS) {
      throw new NostrException("created_at is more than " + TunnelWire.REQUEST_WINDOW_SECONDS + " s from now");
    }
    e.verify();
  }

  static String pathAndQuery(String url) {
    try {
      URI u = new URI(url);
      String p = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
      return u.getRawQuery() == null ? p : p + "?" + u.getRawQuery();
    } catch (Exception x) {
      return "";
    }
  }

  static String hex(ByteBuf b) {
    return ByteBufUtil.hexDump(b);
  }
}
