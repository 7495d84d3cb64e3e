package io.warren.nostr.internal;

import io.netty.channel.Channel;
import io.warren.api.NodeIdentity;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.nostr.Event;
import io.warren.nostr.Tunnels;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * This node as a device behind Nostr relays: connects out to each configured relay (see
 * {@link RelayLink}) and announces the configured services; tunnel requests that reach it
 * (services mapped to local TCP targets, and every whiteboard {@link StreamHandler} by its
 * protocol id) are {@link DeviceInbound}'s, tunnels it opens to other devices
 * {@link DeviceOutbound}'s.
 */
@Component(service = DeviceClient.class, immediate = true, configurationPid = "io.warren.nostr.client")
@Designate(ocd = DeviceClient.Config.class)
public final class DeviceClient {
  @ObjectClassDefinition(name = "Warren Nostr device", description = "Connects this node to Nostr relays as a device")
  public @interface Config {
    @AttributeDefinition(description = "Relay URLs (ws:// or wss://) to connect to; none: this node is no device")
    String[] relays() default {};

    @AttributeDefinition(
        description = "Services, comma-separated: name=tcp://host:port or name=http://host:port, then ;public=true|false and ;description=... (no commas)")
    String[] services() default {};

    @AttributeDefinition(description = "Keys (hex or npub) that may open private services and protocols on this device")
    String[] allow() default {};

    @AttributeDefinition(description = "Keys (hex or npub) refused everything, public services included")
    String[] block() default {};

    @AttributeDefinition(
        description = "Seconds without traffic before a WebSocket ping (1-120); 3x without input closes the link")
    int keepalive_seconds() default 30;

    @AttributeDefinition(description = "Longest wait between reconnection attempts, in seconds")
    int reconnect_max_seconds() default 60;

    @AttributeDefinition(description = "Tunnels the relay may open to this device at once")
    int max_tunnels() default 64;
  }

  private final NodeIdentity identity;
  private final String hex;
  private final String callsign;
  private final ClientSettings settings;
  private final ConcurrentMap<String, StreamHandler> handlers = new ConcurrentHashMap<>();
  private final List<RelayLink> links = new ArrayList<>();
  private final DeviceInbound inbound;
  private final DeviceOutbound outbound = new DeviceOutbound(this);
  /** Devices announced on the relays this node is a device of, by key; at the cap, new keys are ignored. */
  private final ConcurrentMap<String, DeviceNames.Known> seen = new ConcurrentHashMap<>();

  @Activate
  public DeviceClient(@Reference NodeIdentity identity, @Reference EventLoops loops, Config config) {
    this.identity = identity;
    this.hex = HexFormat.of().formatHex(identity.nostrPublicKey());
    this.callsign = TunnelWire.callsign(hex);
    this.settings = ClientSettings.of(config);
    this.inbound = new DeviceInbound(hex, settings, handlers::get, loops);
    for (URI u : settings.relays()) {
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
    if (props.get(StreamHandler.PROTOCOL) instanceof String p && !p.isBlank()
        && StreamHandler.offeredOn(props, NostrRelay.TRANSPORT)) {
      handlers.putIfAbsent(p, handler);
    }
  }

  void removeStreamHandler(StreamHandler handler, Map<String, Object> props) {
    if (props.get(StreamHandler.PROTOCOL) instanceof String p) {
      handlers.remove(p, handler);
    }
  }

  int keepaliveSeconds() {
    return settings.keepaliveSeconds();
  }

  int reconnectMaxSeconds() {
    return settings.reconnectMaxSeconds();
  }

  int maxTunnels() {
    return settings.maxTunnels();
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
    for (DeviceService s : settings.services().values()) {
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

  /** The first relay this device is connected to, or null. */
  RelayLink connected() {
    for (RelayLink l : links) {
      if (l.mux() != null) {
        return l;
      }
    }
    return null;
  }

  TransportException notConnected() {
    return new TransportException(links.isEmpty()
        ? "nostr: this node is not a device (set relays in etc/io.warren.nostr.client.cfg)"
        : "nostr: not connected to any relay yet (" + links.get(0).url() + ": " + links.get(0).state() + ")");
  }

  /** A signed device announcement from a relay: remembered so its callsign and name resolve here. */
  void seen(Event e) {
    if (e.kind() != TunnelWire.DEVICE_KIND) {
      return;
    }
    DeviceNames.Known k = new DeviceNames.Known(e.pubkey(), e.content(), e.createdAt());
    if (seen.size() < DeviceNames.MAX_KNOWN || seen.containsKey(e.pubkey())) {
      seen.merge(e.pubkey(), k, (old, now) -> now.since() >= old.since() ? now : old);
    }
  }

  /** Devices announced on the relays this node is a device of (its own included). */
  List<DeviceNames.Known> seenDevices() {
    return List.copyOf(seen.values());
  }

  /** A tunnel request arrived on {@code stream} (its event loop). */
  void accept(Channel stream, String json) {
    inbound.accept(stream, json);
  }

  /** Resolves a device name to its hex key (a callsign by looking up its announcements). */
  CompletableFuture<String> resolve(String device) {
    return outbound.resolve(device);
  }

  /** Opens a tunnel to {@code device} speaking {@code protocol} through the first connected relay. */
  CompletableFuture<Stream> open(String device, String protocol) {
    return outbound.open(device, protocol);
  }

  /** Services announced on the first connected relay. */
  CompletableFuture<List<Tunnels.ServiceInfo>> services(String device) {
    return outbound.services(device);
  }
}
