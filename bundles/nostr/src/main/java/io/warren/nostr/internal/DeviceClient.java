package io.warren.nostr.internal;

import io.netty.channel.Channel;
import io.warren.api.NodeIdentity;
import io.warren.api.RecordAttributes;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
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
 * {@link RelayLink}) and announces itself (with what its node's {@link RecordAttributes} services
 * say, signed: {@link DeviceAttributes}) and the configured services; tunnel requests that reach it
 * (services mapped to local TCP targets, and every whiteboard {@link StreamHandler} by its
 * protocol id) are {@link DeviceInbound}'s, tunnels it opens to other devices
 * {@link DeviceOutbound}'s.
 */
@Component(service = DeviceClient.class, immediate = true, configurationPid = "io.warren.nostr.client")
@Designate(ocd = DeviceClient.Config.class)
public final class DeviceClient {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceClient.class);
  /** Seconds between looks at whether this node's attributes changed (a service coming or going is seen at once). */
  static final int ATTRIBUTE_CHECK_SECONDS = 5;

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
  /** Device announcements heard on the relays this node is a device of, by key; at the cap, new keys are ignored. */
  private final ConcurrentMap<String, Event> seen = new ConcurrentHashMap<>();
  private final EventLoops loops;
  /** What this node's services say about it, signed into its device announcement ({@link DeviceAttributes}). */
  private final List<RecordAttributes> attributeSources = new CopyOnWriteArrayList<>();
  /** The attributes last announced, and when (announcements' created_at only grows, so the newest wins). */
  private Map<String, String> announced = Map.of();
  private long announcedAt;
  private final ScheduledFuture<?> attributeCheck;

  @Activate
  public DeviceClient(@Reference NodeIdentity identity, @Reference EventLoops loops, Config config) {
    this.identity = identity;
    this.hex = HexFormat.of().formatHex(identity.nostrPublicKey());
    this.callsign = TunnelWire.callsign(hex);
    this.settings = ClientSettings.of(config);
    this.inbound = new DeviceInbound(hex, settings, handlers::get, loops);
    this.loops = loops;
    for (URI u : settings.relays()) {
      RelayLink l = new RelayLink(this, u, loops);
      links.add(l);
      l.start();
    }
    // a service may change what it says without coming or going: looked at again now and then
    this.attributeCheck = links.isEmpty() ? null
        : loops.group().scheduleWithFixedDelay(this::announceAttributes, ATTRIBUTE_CHECK_SECONDS,
            ATTRIBUTE_CHECK_SECONDS, TimeUnit.SECONDS);
  }

  @Deactivate
  void deactivate() {
    if (attributeCheck != null) {
      attributeCheck.cancel(false);
    }
    links.forEach(RelayLink::close);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addRecordAttributes(RecordAttributes source) {
    attributeSources.add(source);
    announceAttributesSoon();
  }

  void removeRecordAttributes(RecordAttributes source) {
    attributeSources.remove(source);
    announceAttributesSoon();
  }

  private void announceAttributesSoon() {
    if (!links.isEmpty()) {
      try {
        loops.group().execute(this::announceAttributes);
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        // the node is stopping
      }
    }
  }

  /**
   * Every registered service's attributes but those for network members only; a key two services give
   * keeps the first one's value.
   */
  private Map<String, String> attributes() {
    return DeviceAttributes.announced(attributeSources,
        (source, e) -> LOG.warn("nostr: record attributes of {} not read", source, e));
  }

  /** Publishes the device announcement again on every connected relay when the attributes changed since the last one. */
  private void announceAttributes() {
    Map<String, String> now = attributes();
    synchronized (this) {
      if (now.equals(announced)) {
        return;
      }
    }
    Event e = deviceAnnouncement();
    // a link still connecting announces afresh once the relay accepted this device
    links.stream().filter(l -> l.mux() != null).forEach(l -> l.publish(e));
  }

  /** This device's announcement: its callsign, name and attributes, newer than any it made before. */
  private Event deviceAnnouncement() {
    Map<String, String> a = attributes();
    long at;
    synchronized (this) {
      at = Math.max(System.currentTimeMillis() / 1000, announcedAt + 1);
      announcedAt = at;
      announced = a;
    }
    List<List<String>> tags = new ArrayList<>(List.of(List.of("d", ""), List.of("w", callsign)));
    tags.addAll(DeviceAttributes.tags(a));
    return Event.sign(hex, identity::signNostr, at, TunnelWire.DEVICE_KIND, tags, identity.name());
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
    out.add(deviceAnnouncement());
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
    if (seen.size() < DeviceNames.MAX_KNOWN || seen.containsKey(e.pubkey())) {
      seen.merge(e.pubkey(), e, (old, now) -> now.supersedes(old) ? now : old);
    }
  }

  /** Devices announced on the relays this node is a device of (its own included). */
  List<DeviceNames.Known> seenDevices() {
    return seen.values().stream().map(e -> new DeviceNames.Known(e.pubkey(), e.content(), e.createdAt())).toList();
  }

  /** The newest announcement of {@code hex} heard on the relays this node is a device of (checked when heard). */
  Optional<Event> seenAnnouncement(String hex) {
    return Optional.ofNullable(seen.get(hex));
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
