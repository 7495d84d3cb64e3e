package io.warren.nostr.internal;

import io.warren.api.LocalRelay;
import io.warren.api.NodeIdentity;
import io.warren.api.NodeProperties;
import io.warren.api.PeerRef;
import io.warren.api.Store;
import io.warren.api.Stream;
import io.warren.api.Transport;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.nostr.Relay;
import io.warren.nostr.RelayLimits;
import io.warren.nostr.Tunnels;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.osgi.framework.BundleContext;
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
 * The node's Nostr relay. It listens when configured with {@code enabled = true}, or when the
 * framework property {@value RelaySettings#PORT_PROPERTY} is set (the launcher's
 * {@code --relay-port N}, which also overrides the configured port); otherwise it is registered
 * but idle.
 *
 * <p>It is the node's {@code nostr} {@link Transport} (so {@code node:info} lists its URL) and its
 * {@link Tunnels}: streams go straight to a device connected to this relay, or through the relays
 * this node is a device of ({@link DeviceClient}).
 */
@Component(service = {Relay.class, Transport.class, Tunnels.class, LocalRelay.class, NostrRelay.class},
    immediate = true,
    configurationPid = "io.warren.nostr.relay", property = Transport.NAME + "=" + NostrRelay.TRANSPORT)
@Designate(ocd = NostrRelay.Config.class)
public final class NostrRelay implements Relay, Transport, Tunnels, LocalRelay {
  static final String TRANSPORT = PeerRef.NOSTR;

  @ObjectClassDefinition(name = "Warren Nostr relay",
      description = "A NIP-01 relay (with NIP-11 and NIP-42) on this node")
  public @interface Config {
    @AttributeDefinition(description = "Listen for Nostr clients (also on when the warren.relay.port property is set)")
    boolean enabled() default false;

    @AttributeDefinition(description = "Address to bind; loopback unless you mean to serve other machines")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port; 0 picks a free port (warren.relay.port overrides it)")
    int port() default 0;

    @AttributeDefinition(description = "NIP-11 name")
    String name() default "Warren relay";

    @AttributeDefinition(description = "NIP-11 description")
    String description() default "A Nostr relay run by a Warren node";

    @AttributeDefinition(description = "NIP-11 contact (a mailto: or https: URI); empty for none")
    String contact() default "";

    @AttributeDefinition(description = "The ws:// or wss:// URL clients use, when it is not the listening address")
    String public_url() default "";

    @AttributeDefinition(description = "Largest WebSocket message in bytes (1024 - 64 MiB)")
    int max_message_length() default 131_072;

    @AttributeDefinition(description = "Open subscriptions per connection")
    int max_subscriptions() default 20;

    @AttributeDefinition(description = "Filters in one REQ")
    int max_filters() default 10;

    @AttributeDefinition(description = "A filter's limit is clamped to this")
    int max_limit() default 500;

    @AttributeDefinition(description = "Limit of a filter that gives none")
    int default_limit() default 500;

    @AttributeDefinition(description = "Longest subscription id")
    int max_subid_length() default 64;

    @AttributeDefinition(description = "Most tags in one event")
    int max_event_tags() default 2_000;

    @AttributeDefinition(description = "EVENTs per second per connection (and the burst allowed)")
    int events_per_second() default 50;

    @AttributeDefinition(description = "REQs per second per connection (and the burst allowed)")
    int reqs_per_second() default 20;

    @AttributeDefinition(description = "Unread output in bytes one connection may have while it does not read "
        + "(queued messages plus the stored events its REQs still owe); past it the client gets a NOTICE and is closed")
    long max_output_bytes() default 16L << 20;

    @AttributeDefinition(description = "Events stored per author; over it the author's oldest go (0: no limit)")
    long quota_events_per_pubkey() default 100_000;

    @AttributeDefinition(
        description = "Bytes (of event JSON) stored per author; over it the author's oldest go (0: no limit)")
    long quota_bytes_per_pubkey() default 256L << 20;

    @AttributeDefinition(description = "Events stored in total; over it the oldest events of the biggest "
        + "writer go first (0: no limit)")
    long quota_events() default 2_000_000;

    @AttributeDefinition(description = "Bytes (of event JSON) stored in total; over it the oldest events of the "
        + "biggest writer go first (0: no limit)")
    long quota_bytes() default 2L << 30;

    @AttributeDefinition(description = "Require NIP-42 AUTH before EVENT and REQ")
    boolean auth_required() default false;

    @AttributeDefinition(description = "Seconds an AUTH event's created_at may differ from now")
    int auth_window_seconds() default 600;

    @AttributeDefinition(description = "Seconds into the future an event's created_at may be")
    long created_at_upper_limit() default 900;

    @AttributeDefinition(description = "Serve devices (hello, tunnels, the HTTP gateway and /api)")
    boolean devices_enabled() default true;

    @AttributeDefinition(description = "Devices connected at once")
    int max_devices() default 1_000;

    @AttributeDefinition(description = "Tunnels open to or from one device at once")
    int max_tunnels_per_device() default 64;

    @AttributeDefinition(description = "Bytes per second through one device's tunnels (0: no limit)")
    long device_bandwidth() default 0;

    @AttributeDefinition(
        description = "Keys (hex or npub) that may register as devices and open tunnels; empty: any key")
    String[] device_allow() default {};

    @AttributeDefinition(description = "Keys (hex or npub) that may never register as devices or open tunnels")
    String[] device_block() default {};

    @AttributeDefinition(description = "Keys (hex or npub) of devices whose tunnel requests may carry gateway and "
        + "auth tags (speak for another key, as this relay's gateway does); empty: none")
    String[] device_gateway_allow() default {};

    @AttributeDefinition(description = "Serve the HTTP gateway /tunnel/<device>/<service>/...")
    boolean gateway_enabled() default true;

    @AttributeDefinition(description = "Base domain of per-device gateway hosts (e.g. gw.example.org): a device is "
        + "served at <npub>.<domain>/<service>/..., each in its own browser origin, and /tunnel/... redirects there; "
        + "empty: every device under /tunnel/ on the relay's one origin. Point a wildcard DNS name (and certificate) "
        + "*.<domain> at the relay")
    String gateway_domain() default "";
  }

  private final RelaySettings settings;
  private final EventStore store;
  private final String pubkey;
  private final RelayServer server;
  private final DeviceHub hub;
  private volatile DeviceClient client;
  private final TunnelTools tools;
  private final NodeIdentity identity;
  private final DeviceSettings devices;

  @Activate
  public NostrRelay(BundleContext context, Config config, @Reference Store store, @Reference NodeIdentity identity,
      @Reference EventLoops loops) throws InterruptedException {
    this.tools = new TunnelTools(loops, this::openService);
    this.settings = settings(config, context.getProperty(RelaySettings.PORT_PROPERTY));
    checkDeviceFrames(config.devices_enabled(), settings.limits().maxMessageLength());
    this.store = new EventStore(store, settings.quota(), journalDir(context, settings.enabled()));
    String version = context.getProperty(NodeProperties.VERSION);
    this.pubkey = HexFormat.of().formatHex(identity.nostrPublicKey());
    DeviceSettings ds = deviceSettings(config);
    this.identity = identity;
    this.devices = ds;
    this.hub = settings.enabled() && config.devices_enabled()
        ? new DeviceHub(ds, new DeviceHub.Signer(pubkey, identity::signNostr)) : null;
    try {
      this.server = settings.enabled()
          ? new RelayServer(loops, settings, this.store, pubkey,
              version == null ? context.getBundle().getVersion().toString() : version, hub)
          : null;
    } catch (RuntimeException | InterruptedException e) {
      this.store.close();
      throw e;
    }
  }

  /**
   * Where a running relay journals accepted events before they reach the database (see
   * {@link EventJournal}); also used when a journal is left there, so its events are stored. Null
   * (no journal) otherwise, or without a data directory.
   */
  static java.nio.file.Path journalDir(BundleContext context, boolean enabled) {
    String data = context.getProperty(NodeProperties.DATA_DIR);
    if (data == null) {
      return null;
    }
    java.nio.file.Path dir = java.nio.file.Path.of(data).resolve("nostr").resolve("journal");
    return enabled || java.nio.file.Files.isDirectory(dir) ? dir : null;
  }

  /** The relay while it runs (for {@link NostrMetrics}), else null. */
  RelayServer server() {
    return server;
  }

  /** The relay settings of {@code c}, with the launcher's port property applied; throws naming a bad value. */
  static RelaySettings settings(Config c, String portProperty) {
    OptionalInt given = NodeProperties.port(RelaySettings.PORT_PROPERTY, portProperty);
    boolean enabled = c.enabled() || given.isPresent();
    int port = given.orElse(c.port());
    return new RelaySettings(enabled, c.host(), port, c.name(), c.description(), c.contact(), c.public_url().trim(),
        c.auth_window_seconds(),
        new RelayLimits(c.max_message_length(), c.max_subscriptions(), c.max_filters(), c.max_limit(),
            c.default_limit(), c.max_subid_length(), c.max_event_tags(), c.events_per_second(),
            c.reqs_per_second(), c.auth_required(), c.created_at_upper_limit()),
        c.max_output_bytes(), new EventStore.Quota(c.quota_events_per_pubkey(), c.quota_bytes_per_pubkey(),
            c.quota_events(), c.quota_bytes()));
  }

  /** The device rules of {@code c}; throws naming a bad value. */
  static DeviceSettings deviceSettings(Config c) {
    return new DeviceSettings(c.max_devices(), c.max_tunnels_per_device(), c.device_bandwidth(),
        DeviceSettings.keys("device.allow", c.device_allow()), DeviceSettings.keys("device.block", c.device_block()),
        c.gateway_enabled(), DeviceSettings.keys("device.gateway.allow", c.device_gateway_allow()),
        c.gateway_domain());
  }

  /** Smallest max.message.length that carries the device layer's binary messages (a Yamux frame is at most 64 KiB). */
  static final int MIN_DEVICE_MESSAGE_LENGTH = 65_536;

  static void checkDeviceFrames(boolean devicesEnabled, int maxMessageLength) {
    if (devicesEnabled && maxMessageLength < MIN_DEVICE_MESSAGE_LENGTH) {
      throw new IllegalArgumentException("io.warren.nostr.relay: max.message.length must be at least "
          + MIN_DEVICE_MESSAGE_LENGTH
          + " while devices.enabled = true (tunnels send Yamux frames of up to 64 KiB), got "
          + maxMessageLength + "; set devices.enabled = false for a smaller limit");
    }
  }

  @Deactivate
  void deactivate() {
    tools.close();
    if (server != null) {
      server.close();
    }
    store.close();
  }

  @Override
  public boolean running() {
    return server != null;
  }

  @Override
  public List<String> listenAddresses() {
    return server == null ? List.of() : List.of(server.url());
  }

  @Override
  public int connections() {
    return server == null ? 0 : server.connections();
  }

  @Override
  public long storedEvents() {
    return store.count();
  }

  @Override
  public RelayLimits limits() {
    return settings.limits();
  }

  @Override
  public String name() {
    return TRANSPORT;
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
  void setClient(DeviceClient c) {
    this.client = c;
  }

  void unsetClient(DeviceClient c) {
    if (this.client == c) {
      this.client = null;
    }
  }

  /**
   * Opens a stream to a device: directly when the device is connected to this node's own relay
   * (the request is signed with this node's key), else through a relay this node is a device of.
   */
  @Override
  public CompletionStage<Stream> open(PeerRef peer, String protocolId) {
    if (!PeerRef.NOSTR.equals(peer.transport())) {
      return CompletableFuture.failedFuture(new TransportException("nostr cannot reach " + peer));
    }
    if (protocolId == null || protocolId.isBlank() || protocolId.length() > 256) {
      return CompletableFuture.failedFuture(new TransportException("nostr: invalid protocol id"));
    }
    TunnelWire.DeviceRef ref;
    try {
      ref = TunnelWire.parseDevice(peer.id());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new TransportException("nostr: " + e.getMessage(), e));
    }
    DeviceHub.Device local = hub == null ? null : hub.find(ref);
    if (local != null) {
      PeerRef resolved = new PeerRef(TRANSPORT, local.hex());
      return hub.open(local, hub.request(local.hex(), protocolId, List.of()))
          .thenApply(ch -> (Stream) new NostrStream(ch, resolved, protocolId));
    }
    DeviceClient c = client;
    if (c == null || !c.hasLinks()) {
      return CompletableFuture.failedFuture(new TransportException("nostr: device " + ref.callsign()
          + " is not connected to this node's relay, and this node is not a device of any relay"));
    }
    return c.open(peer.id(), protocolId);
  }

  @Override
  public CompletionStage<List<ServiceInfo>> services(String device) {
    DeviceClient c = client;
    if (c != null && c.hasLinks()) {
      return c.services(device);
    }
    if (server == null) {
      return CompletableFuture.failedFuture(new TransportException(
          "nostr: this node neither runs a relay nor is a device (set relays in etc/io.warren.nostr.client.cfg)"));
    }
    try {
      java.util.Set<String> authors = null;
      if (device != null && !device.isBlank()) {
        TunnelWire.DeviceRef ref = TunnelWire.parseDevice(device);
        String hex = ref.hex();
        if (hex == null) {
          DeviceHub.Device d = hub == null ? null : hub.find(ref);
          if (d == null) {
            return CompletableFuture.failedFuture(new TransportException("nostr: no connected device has callsign "
                + ref.callsign()));
          }
          hex = d.hex();
        }
        authors = java.util.Set.of(hex);
      }
      io.warren.nostr.Filter f = new io.warren.nostr.Filter(null, authors, java.util.Set.of(TunnelWire.SERVICE_KIND),
          null, null, null, 500);
      List<io.warren.nostr.Event> events = new java.util.ArrayList<>();
      for (EventStore.Row r : store.query(List.of(f), 500, 500)) {
        events.add(io.warren.nostr.Event.parse(r.json()));
      }
      return CompletableFuture.completedFuture(DeviceOutbound.infos(events));
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new TransportException("nostr: " + e.getMessage(), e));
    }
  }

  @Override
  public CompletionStage<Stream> openService(String device, String service) {
    if (!TunnelWire.validServiceName(service)) {
      return CompletableFuture.failedFuture(new TransportException("nostr: invalid service name '"
          + TunnelWire.printable(String.valueOf(service)) + "'"));
    }
    return open(new PeerRef(TRANSPORT, device), TunnelWire.SERVICE_PREFIX + service);
  }

  @Override
  public List<Link> links() {
    DeviceClient c = client;
    return c == null ? List.of() : c.links();
  }

  @Override
  public String callsign() {
    return TunnelWire.callsign(pubkey);
  }

  @Override
  public Forward forward(String device, String service, int port) {
    return tools.forward(device, service, port);
  }

  @Override
  public boolean stopForward(int port) {
    return tools.stop(port);
  }

  @Override
  public List<Forward> forwards() {
    return tools.forwards();
  }

  @Override
  public void pipe(String device, String service, java.io.InputStream in, java.io.OutputStream out)
      throws java.io.IOException {
    tools.pipe(device, service, in, out);
  }

  /** Devices connected to this node's relay. */
  public List<DeviceHub.Device> devices() {
    return hub == null ? List.of() : hub.devices();
  }

  /**
   * Devices announced on this node's relay (when it runs), newest first, at most {@code limit}.
   * Reads the store: not for an event loop.
   */
  List<DeviceNames.Known> announcedDevices(int limit) {
    return server == null ? List.of() : DeviceNames.announced(store, limit);
  }

  /** Events in this node's relay's store (when it runs) matching {@code filter}. Reads the store: not for an event loop. */
  List<io.warren.nostr.Event> stored(io.warren.nostr.Filter filter) {
    if (server == null) {
      return List.of();
    }
    int limit = filter.limit() == null ? DeviceNames.MAX_KNOWN : filter.limit();
    List<io.warren.nostr.Event> out = new java.util.ArrayList<>();
    for (EventStore.Row r : store.query(List.of(filter), limit, limit)) {
      out.add(io.warren.nostr.Event.parse(r.json()));
    }
    return out;
  }

  // ---- LocalRelay ----

  @Override
  public String pubkey() {
    return pubkey;
  }

  @Override
  public LocalRelay.Event publish(int kind, List<List<String>> tags, String content) {
    RelayServer s = server;
    if (s == null) {
      throw new IllegalStateException("nostr: the relay does not run (enabled = false in io.warren.nostr.relay)");
    }
    if (tags.size() > settings.limits().maxEventTags()) {
      throw new IllegalArgumentException("nostr: more than max.event.tags (" + settings.limits().maxEventTags()
          + ") tags");
    }
    io.warren.nostr.Event e = io.warren.nostr.Event.sign(pubkey, identity::signNostr,
        System.currentTimeMillis() / 1000, kind, tags, content);
    if (e.toJson().length() + 12 > settings.limits().maxMessageLength()) {
      throw new IllegalArgumentException("nostr: the event is longer than max.message.length ("
          + settings.limits().maxMessageLength() + ")");
    }
    s.submitOwn(e);
    return view(e);
  }

  @Override
  public AutoCloseable subscribe(java.util.Set<Integer> kinds, java.util.function.Consumer<LocalRelay.Event> consumer) {
    RelayServer s = server;
    if (s == null) {
      return () -> {};
    }
    java.util.Set<Integer> wanted = java.util.Set.copyOf(kinds);
    return s.tap(e -> {
      if (wanted.contains(e.kind())) {
        consumer.accept(view(e));
      }
    });
  }

  @Override
  public boolean namedDevice(String hex) {
    return devices.allow().contains(hex) && !devices.block().contains(hex);
  }

  static LocalRelay.Event view(io.warren.nostr.Event e) {
    return new LocalRelay.Event(e.id(), e.pubkey(), TunnelWire.npub(e.pubkey()), e.createdAt(), e.kind(), e.tags(),
        e.content());
  }

  /** The device client, when this node is a device of some relay; else null. */
  DeviceClient client() {
    return client;
  }
}
