package io.warren.nostr.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.yamux.Yamux;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.NostrException;
import io.warren.nostr.Tunnels;
import io.warren.nostr.internal.tunnel.HeaderReader;
import io.warren.api.channel.Splice;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node as a device behind Nostr relays: connects out to each configured relay (see
 * {@link RelayLink}), announces the configured services, accepts tunnel requests (services mapped
 * to local TCP targets, and every whiteboard {@link StreamHandler} by its protocol id) under
 * {@link DevicePolicy}, and opens tunnels to other devices.
 */
@Component(service = DeviceClient.class, immediate = true, configurationPid = "io.warren.nostr.client")
@Designate(ocd = DeviceClient.Config.class)
public final class DeviceClient {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceClient.class);

  @ObjectClassDefinition(name = "Warren Nostr device", description = "Connects this node to Nostr relays as a device")
  public @interface Config {
    @AttributeDefinition(description = "Relay URLs (ws:// or wss://) to connect to; none: this node is no device")
    String[] relays() default {};

    @AttributeDefinition(description = "Services, comma-separated: name=tcp://host:port or name=http://host:port, then ;public=true|false and ;description=... (no commas)")
    String[] services() default {};

    @AttributeDefinition(description = "Keys (hex or npub) that may open private services and protocols on this device")
    String[] allow() default {};

    @AttributeDefinition(description = "Keys (hex or npub) refused everything, public services included")
    String[] block() default {};

    @AttributeDefinition(description = "Seconds without traffic before a WebSocket ping (1-120); 3x without input closes the link")
    int keepalive_seconds() default 30;

    @AttributeDefinition(description = "Longest wait between reconnection attempts, in seconds")
    int reconnect_max_seconds() default 60;

    @AttributeDefinition(description = "Tunnels the relay may open to this device at once")
    int max_tunnels() default 64;
  }

  private final NodeIdentity identity;
  private final String hex;
  private final String callsign;
  private final Map<String, DeviceService> services = new LinkedHashMap<>();
  private final DevicePolicy policy;
  private final DevicePolicy.Seen seen = new DevicePolicy.Seen();
  private final int keepalive;
  private final int reconnectMax;
  private final int maxTunnels;
  private final ConcurrentMap<String, StreamHandler> handlers = new ConcurrentHashMap<>();
  private final List<RelayLink> links = new ArrayList<>();
  private final EventLoops loops;

  @Activate
  public DeviceClient(@Reference NodeIdentity identity, @Reference EventLoops loops, Config config) {
    this.identity = identity;
    this.loops = loops;
    this.hex = HexFormat.of().formatHex(identity.nostrPublicKey());
    this.callsign = TunnelWire.callsign(hex);
    for (String entry : config.services()) {
      for (String s : entry.split(",")) {
        if (s.isBlank()) {
          continue;
        }
        DeviceService d = DeviceService.parse(s);
        if (services.put(d.name(), d) != null) {
          throw new IllegalArgumentException("services: " + d.name() + " is configured twice");
        }
      }
    }
    this.policy = new DevicePolicy(hex, DeviceSettings.keys("allow", config.allow()),
        DeviceSettings.keys("block", config.block()));
    if (config.keepalive_seconds() < 1 || config.keepalive_seconds() > 120) {
      throw new IllegalArgumentException("keepalive.seconds must be 1-120 (relays close devices silent for 180 s), got "
          + config.keepalive_seconds());
    }
    if (config.reconnect_max_seconds() < 1 || config.max_tunnels() < 1) {
      throw new IllegalArgumentException("reconnect.max.seconds and max.tunnels must be at least 1");
    }
    this.keepalive = config.keepalive_seconds();
    this.reconnectMax = config.reconnect_max_seconds();
    this.maxTunnels = config.max_tunnels();
    List<URI> urls = new ArrayList<>();
    for (String r : config.relays()) {
      for (String part : r.split("[,\\s]+")) {
        if (part.isBlank()) {
          continue;
        }
        URI u;
        try {
          u = new URI(part.trim());
        } catch (Exception e) {
          throw new IllegalArgumentException("relays: not a URL: " + part, e);
        }
        if (!("ws".equals(u.getScheme()) || "wss".equals(u.getScheme())) || u.getHost() == null) {
          throw new IllegalArgumentException("relays: expected ws://host:port or wss://host, got " + part);
        }
        urls.add(u);
      }
    }
    for (URI u : urls) {
      RelayLink l = new RelayLink(this, u, loops);
      links.add(l);
      l.start();
    }
  }

  @Deactivate
  void deactivate() {
    links.forEach(RelayLink::close);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addStreamHandler(StreamHandler handler, Map<String, Object> props) {
    if (props.get(StreamHandler.PROTOCOL) instanceof String p && !p.isBlank()) {
      handlers.putIfAbsent(p, handler);
    }
  }

  void removeStreamHandler(StreamHandler handler, Map<String, Object> props) {
    if (props.get(StreamHandler.PROTOCOL) instanceof String p) {
      handlers.remove(p, handler);
    }
  }

  int keepaliveSeconds() {
    return keepalive;
  }

  int reconnectMaxSeconds() {
    return reconnectMax;
  }

  int maxTunnels() {
    return maxTunnels;
  }

  String callsign() {
    return callsign;
  }

  String hex() {
    return hex;
  }

  Event sign(int kind, List<List<String>> tags, String content) {
    return Event.sign(hex, identity::signNostr, System.currentTimeMillis() / 1000, kind, tags, content);
  }

  /** The service announcements this device publishes on each relay it connects to. */
  List<Event> announcements() {
    List<Event> out = new ArrayList<>();
    out.add(sign(TunnelWire.DEVICE_KIND, List.of(List.of("d", ""), List.of("w", callsign)), identity.name()));
    for (DeviceService s : services.values()) {
      out.add(sign(TunnelWire.SERVICE_KIND, List.of(List.of("d", s.name()), List.of("protocol", s.protocol()),
          List.of("public", String.valueOf(s.isPublic())), List.of("w", callsign)), s.description()));
    }
    return out;
  }

  List<Tunnels.Link> links() {
    List<Tunnels.Link> out = new ArrayList<>();
    for (RelayLink l : links) {
      out.add(new Tunnels.Link(l.url(), l.state(), l.since().toString(), l.tunnels()));
    }
    return out;
  }

  boolean hasLinks() {
    return !links.isEmpty();
  }

  private RelayLink connected() {
    for (RelayLink l : links) {
      if (l.mux() != null) {
        return l;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- inbound tunnels

  /** A tunnel request arrived on {@code stream} (its event loop). */
  void accept(Channel stream, String json) {
    long now = System.currentTimeMillis() / 1000;
    Event request;
    try {
      request = Event.parse(json);
      String target = TunnelWire.checkRequest(request, now);
      if (!target.equals(hex)) {
        refuse(stream, "invalid: the request is addressed to another device");
        return;
      }
    } catch (NostrException e) {
      refuse(stream, "invalid: " + e.getMessage());
      return;
    }
    if (!seen.add(request.id(), now)) {
      refuse(stream, "duplicate: this tunnel request was already used");
      return;
    }
    String protocol = TunnelWire.protocolOf(request);
    PeerRef peer = new PeerRef("nostr", request.pubkey());
    if (protocol.startsWith(TunnelWire.SERVICE_PREFIX)) {
      DeviceService s = services.get(protocol.substring(TunnelWire.SERVICE_PREFIX.length()));
      if (s == null) {
        refuse(stream, "error: this device has no service " + TunnelWire.printable(protocol.substring(TunnelWire.SERVICE_PREFIX.length())));
        return;
      }
      String r = policy.refusal(request, s, now);
      if (r != null) {
        LOG.info("Device {}: refused {} to service {}: {}", callsign, TunnelWire.callsign(request.pubkey()), s.name(), r);
        refuse(stream, r);
        return;
      }
      new Bootstrap().group(stream.eventLoop()).channel(loops.socketChannel())
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
          .handler(new ChannelInboundHandlerAdapter())
          .connect(s.host(), s.port()).addListener(f -> {
            if (!f.isSuccess()) {
              refuse(stream, "error: service " + s.name() + " is not reachable on the device");
              return;
            }
            Channel tcp = ((io.netty.channel.ChannelFuture) f).channel();
            stream.writeAndFlush(TunnelWire.header(stream.alloc(), TunnelWire.answer(true, "")));
            LOG.debug("Device {}: tunnel from {} to service {}", callsign, TunnelWire.callsign(request.pubkey()), s.name());
            Splice.between(stream, tcp).start();
          });
      return;
    }
    StreamHandler h = handlers.get(protocol);
    if (h == null) {
      refuse(stream, "error: protocol " + TunnelWire.printable(protocol) + " is not served here");
      return;
    }
    String r = policy.refusal(request, null, now);
    if (r != null) {
      refuse(stream, r);
      return;
    }
    stream.writeAndFlush(TunnelWire.header(stream.alloc(), TunnelWire.answer(true, "")));
    try {
      h.handle(new NostrStream(stream, peer, protocol));
    } catch (Exception e) {
      LOG.warn("Device {}: handler for {} failed", callsign, protocol, e);
      Yamux.reset(stream);
    }
  }

  private static void refuse(Channel stream, String reason) {
    stream.writeAndFlush(TunnelWire.header(stream.alloc(), TunnelWire.answer(false, reason)))
        .addListener(f -> Yamux.shutdownOutput(stream).addListener(x -> stream.close()));
  }

  // ---------------------------------------------------------------- outbound tunnels

  /** Resolves a device name to its hex key (a callsign by looking up its announcements). */
  CompletableFuture<String> resolve(String device) {
    TunnelWire.DeviceRef ref;
    try {
      ref = TunnelWire.parseDevice(device);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new TransportException(e.getMessage(), e));
    }
    if (ref.hex() != null) {
      return CompletableFuture.completedFuture(ref.hex());
    }
    RelayLink l = connected();
    if (l == null) {
      return CompletableFuture.failedFuture(notConnected());
    }
    Filter f = new Filter(null, null, Set.of(TunnelWire.DEVICE_KIND, TunnelWire.SERVICE_KIND),
        Map.of('w', Set.of(ref.callsign())), null, null, 50);
    return l.query(f).thenApply(events -> {
      for (Event e : events) {
        if (TunnelWire.callsign(e.pubkey()).equals(ref.callsign())) {
          return e.pubkey();
        }
      }
      throw new TransportException("nostr: no device with callsign " + ref.callsign() + " is announced on "
          + l.url() + " (give its npub or hex key)");
    });
  }

  private TransportException notConnected() {
    return new TransportException(links.isEmpty()
        ? "nostr: this node is not a device (set relays in etc/io.warren.nostr.client.cfg)"
        : "nostr: not connected to any relay yet (" + links.get(0).url() + ": " + links.get(0).state() + ")");
  }

  /** Opens a tunnel to {@code device} speaking {@code protocol} through the first connected relay. */
  CompletableFuture<Stream> open(String device, String protocol) {
    return resolve(device).thenCompose(target -> {
      RelayLink l = connected();
      Yamux.Session mux = l == null ? null : l.mux();
      if (mux == null) {
        return CompletableFuture.failedFuture(notConnected());
      }
      Event request = sign(TunnelWire.REQUEST_KIND, List.of(List.of("p", target), List.of("protocol", protocol),
          TunnelWire.nonce()), "");
      CompletableFuture<Stream> result = new CompletableFuture<>();
      PeerRef peer = new PeerRef("nostr", target);
      HeaderReader reader = new HeaderReader(new HeaderReader.Listener() {
        @Override
        public void onHeader(Channel stream, String json) {
          String refusal = TunnelWire.refusal(json);
          if (refusal == null) {
            result.complete(new NostrStream(stream, peer, protocol));
          } else {
            result.completeExceptionally(new TransportException("nostr: " + refusal));
            stream.close();
          }
        }

        @Override
        public void onFailure(Channel stream, String why) {
          result.completeExceptionally(new TransportException("nostr: " + why));
        }
      });
      mux.openStream(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          ch.pipeline().addLast(HeaderReader.NAME, reader);
        }
      }).addListener(f -> {
        if (!f.isSuccess()) {
          result.completeExceptionally(new TransportException("nostr: cannot open a stream on " + l.url() + ": "
              + f.cause().getMessage(), f.cause()));
          return;
        }
        Channel stream = (Channel) f.getNow();
        stream.writeAndFlush(TunnelWire.header(stream.alloc(), request.toJson()));
        stream.eventLoop().schedule(() -> {
          if (result.completeExceptionally(new TransportException("nostr: no answer from the device within 20 s"))) {
            stream.close();
          }
        }, 20, TimeUnit.SECONDS);
      });
      return result;
    });
  }

  /** Services announced on the first connected relay. */
  CompletableFuture<List<Tunnels.ServiceInfo>> services(String device) {
    RelayLink l = connected();
    if (l == null) {
      return CompletableFuture.failedFuture(notConnected());
    }
    CompletableFuture<Filter> filter;
    if (device == null || device.isBlank()) {
      filter = CompletableFuture.completedFuture(new Filter(null, null, Set.of(TunnelWire.SERVICE_KIND), null, null, null, 500));
    } else {
      filter = resolve(device).thenApply(h -> new Filter(null, Set.of(h), Set.of(TunnelWire.SERVICE_KIND), null, null, null, 500));
    }
    return filter.thenCompose(l::query).thenApply(DeviceClient::infos);
  }

  static List<Tunnels.ServiceInfo> infos(List<Event> events) {
    List<Tunnels.ServiceInfo> out = new ArrayList<>();
    for (Event e : events) {
      out.add(new Tunnels.ServiceInfo(e.pubkey(), TunnelWire.callsign(e.pubkey()), e.dTag(),
          e.firstTagValue("protocol").orElse(""), "true".equals(e.firstTagValue("public").orElse("false")), e.content()));
    }
    out.sort(java.util.Comparator.comparing(Tunnels.ServiceInfo::callsign).thenComparing(Tunnels.ServiceInfo::name));
    return out;
  }
}
