package io.warren.nostr.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The relay's HTTP side for devices: {@code /tunnel/<device>/<service>/<path>} streams requests to
 * a device's service and responses back, and {@code /api/status}, {@code /api/devices[/<id>]}
 * answer JSON.
 *
 * <p>Origins: without {@code gateway.domain} every device is served on the relay's one origin, so
 * a browser lets one device's pages read another's (cookies, storage, credentialed fetches). With
 * a domain each device has its own host, {@code <npub>.<domain>}, where {@code /<service>/<path>}
 * goes to that device and nothing else is served; a host under the domain that names no device is
 * answered 421, and {@code /tunnel/...} on the relay's origin is redirected (308) to the device's
 * host instead of being served there (see {@link GatewayHosts}). The device is the one that
 * authenticated as the key in the host name; a NIP-98 token must name the device's host.
 *
 * <p>Roles: {@link GatewayHandler} (one per connection) parses and routes requests, answers
 * {@code /api} through {@link GatewayApi} and authorizes {@code /tunnel} requests;
 * {@link GatewayTunnel} then carries the request to the device's stream and the response back,
 * through the one {@link io.warren.api.channel.Splice}.
 *
 * <p>The gateway forwards the request head (path rewritten to {@code /<path>}, {@code Connection:
 * close} unless it is an upgrade, {@code X-Forwarded-For} and {@code X-Forwarded-Prefix} added,
 * the node's own credentials ({@code Authorization}, {@code Proxy-Authorization}) and the client's
 * claims about forwarding ({@code Forwarded}, {@code X-Forwarded-*}) removed) and then streams the body as it comes (re-chunked when
 * the client sent chunks); the response is copied back byte for byte, unparsed, until the device's
 * side ends, so chunked and large responses and WebSocket upgrades pass through without being
 * buffered. One request per client connection: the connection closes after the response.
 *
 * <p>Authorization, fail closed: a service the device announced as public is open to anyone (the
 * device still applies its block list); anything else needs a NIP-98 {@code Authorization: Nostr
 * <base64 event>} header, which the relay checks (signature, kind 27235, method, URL, time) and
 * passes to the device, which accepts it only from a key in its allow list. A token opens one
 * request: the same event again (a replay) is refused. No header: 401;
 * a bad header or a refusal: 403; a device that is not connected or a service it does not announce:
 * 404.
 */
final class Gateway {
  /** The gateway's handler in the relay's pipeline (right after the HTTP codec, {@code "http"}). */
  static final String NAME = "gateway";
  /** The relay's HTTP codec; the tunnel writes raw response bytes from its context, around the encoder. */
  static final String HTTP_CODEC = "http";

  private final DeviceHub hub;
  private final EventStore store;
  private final RelayServer relay;
  private final Nip98.Replays replays = new Nip98.Replays();

  Gateway(DeviceHub hub, EventStore store, RelayServer relay) {
    this.hub = hub;
    this.store = store;
    this.relay = relay;
  }

  ChannelInboundHandler handler() {
    return new GatewayHandler(this);
  }

  /** The NIP-98 tokens used so far (each opens one request). */
  Nip98.Replays replays() {
    return replays;
  }

  DeviceHub hub() {
    return hub;
  }

  RelayServer relay() {
    return relay;
  }

  /** The service announcement of a device, or null. */
  Event service(String hex, String name) {
    Filter f = new Filter(null, Set.of(hex), Set.of(TunnelWire.SERVICE_KIND), Map.of('d', Set.of(name)), null, null, 1);
    List<EventStore.Row> rows = store.query(List.of(f), 1, 1);
    return rows.isEmpty() ? null : Event.parse(rows.get(0).json());
  }

  /** The services a device announced, as the API shows them. */
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

  /** Writes a complete response of the gateway's own; {@code close} closes the connection after it. */
  static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body, boolean close) {
    respond(ctx, status, type, body, null, close);
  }

  /** Redirects to {@code location} (a 3xx {@code status}) and closes the connection. */
  static void redirect(ChannelHandlerContext ctx, HttpResponseStatus status, String location) {
    respond(ctx, status, "text/plain; charset=utf-8", "moved to " + location + "\n", location, true);
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body,
      String location, boolean close) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(b));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, b.length)
        .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    if (status == HttpResponseStatus.UNAUTHORIZED) {
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Nostr");
    }
    if (location != null) {
      r.headers().set(HttpHeaderNames.LOCATION, location);
    }
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(r);
    }
  }
}
