package io.warren.libp2p.internal;

import io.warren.api.MetricsSource;
import io.warren.api.NodeIdentity;
import io.warren.api.NodeProperties;
import io.warren.api.PeerId;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.Transport;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.libp2p.EchoResult;
import io.warren.libp2p.Libp2pNode;
import io.warren.libp2p.PeerInfo;
import io.warren.libp2p.PingResult;
import io.warren.libp2p.ReachabilityInfo;
import io.warren.libp2p.RelayInfo;
import io.warren.libp2p.TrustedPeers;
import io.warren.libp2p.internal.autonat.Autonat;
import io.warren.libp2p.internal.dcutr.Dcutr;
import io.warren.libp2p.internal.dcutr.DialBudget;
import io.warren.libp2p.internal.echo.Echo;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.NodeKeyIdentity;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.ping.Ping;
import io.warren.libp2p.internal.relay.AutoRelay;
import io.warren.libp2p.internal.relay.CircuitRelay;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The libp2p transport: one {@link Host} per activation, on the node's shared {@link EventLoops},
 * listening on the configured addresses with the node's key, running the host's own services
 * ({@link HostServices}: identify, circuit relay, DCUtR; and AutoNAT and AutoRelay) and answering
 * every whiteboard {@link StreamHandler} (echo and ping are such components too). Its settings come
 * from {@link Config} alone, validated by {@link Libp2pSettings}. A configuration change
 * re-activates it.
 */
@Component(service = {Transport.class, Libp2pNode.class, MetricsSource.class}, immediate = true,
    configurationPid = "io.warren.libp2p",
    property = {Transport.NAME + "=" + Host.TRANSPORT_NAME, MetricsSource.NAME + "=libp2p"})
@Designate(ocd = Libp2pTransport.Config.class)
public final class Libp2pTransport implements Transport, Libp2pNode, MetricsSource {

  @ObjectClassDefinition(name = "Warren libp2p",
      description = "libp2p over TCP with TLS 1.3 or Noise, and Yamux; and over QUIC")
  public @interface Config {
    @AttributeDefinition(
        description = "TCP multiaddrs to listen on (port 0: any free port); every IPv4 interface on port 4100 "
            + "by default, so other machines can dial the addresses node:identity prints (warren --p2p-port N "
            + "sets another port). Empty: a dial-out-only node (as one behind NAT is), reachable through relays")
    String[] listen_addresses() default {"/ip4/0.0.0.0/tcp/4100"};

    @AttributeDefinition(description = "QUIC (/udp/<port>/quic-v1, libp2p TLS 1.3 inside QUIC, QUIC's own streams): "
        + "listen on UDP next to each TCP listen address at the same port, announce those addresses and dial peers' "
        + "QUIC addresses; only where Netty's QUIC native library loads (Linux x86_64), TCP only elsewhere")
    boolean quic_enabled() default true;

    @AttributeDefinition(description = "Security protocols in order of preference: dialling proposes them in this "
        + "order, listening accepts any of them. /tls/1.0.0: TLS 1.3 (AES-GCM by OpenSSL where netty-tcnative loads); "
        + "/noise: Noise XX. Leave one out to disable it")
    String[] security_protocols() default {"/tls/1.0.0", "/noise"};

    @AttributeDefinition(description = "auto: private (reserve at relays) when there is no listen address, else as "
        + "AutoNAT finds (peers asked to dial back), reserving at relays until it knows when peers see it at an IP "
        + "it does not have (behind NAT); private: always reserve at relays; public: never on its own")
    String reachability() default "auto";

    @AttributeDefinition(description = "AutoNAT server: dial peers back (at the IP they connect from) so they learn "
        + "whether they are reachable")
    boolean autonat_server() default true;

    @AttributeDefinition(description = "Relay client: reservations a private node keeps at relays among its peers")
    int relay_client_max() default 2;

    @AttributeDefinition(description = "DCUtR: upgrade relayed connections to direct ones (dial the peer's addresses, "
        + "else hole punch with /libp2p/dcutr)")
    boolean dcutr_enabled() default true;

    @AttributeDefinition(description = "DCUtR: dial rounds (a direct dial of a peer's addresses, or one hole punch) "
        + "one peer may cause in a minute; more leave its connection relayed")
    int dcutr_max_dials_per_peer_per_minute() default 6;

    @AttributeDefinition(description = "DCUtR: dial rounds all peers together may cause in a minute")
    int dcutr_max_dials_per_minute() default 60;

    @AttributeDefinition(description = "DCUtR: birthday punching, after the ordinary hole punches failed, when one "
        + "side's NAT picks a new port per destination: that side opens 256 UDP ports towards the other, the other "
        + "sends 512 datagrams to random ports of its NAT within 2.5 s. off; members (only with peers of this node's "
        + "networks); all. Both nodes must enable it and run QUIC")
    String dcutr_birthday() default "off";

    @AttributeDefinition(description = "Connections open at once, inbound and outbound; one more is refused")
    int max_connections() default 256;

    @AttributeDefinition(
        description = "Inbound connections still upgrading (multistream-select, TLS or Noise) at once, "
            + "the transient scope; one more is refused, so strangers cannot take every connection slot")
    int max_transient_connections() default 128;

    @AttributeDefinition(description = "Inbound connections still upgrading from one address (IPv4, or IPv6 /64); "
        + "one more from it is refused")
    int max_transient_connections_per_ip() default 8;

    @AttributeDefinition(description = "Inbound connections from one address (IPv4, or IPv6 /64), upgrading or "
        + "established; one more from it is refused")
    int max_connections_per_ip() default 32;

    @AttributeDefinition(description = "Connections to one peer, direct or relayed; one more is closed once the peer "
        + "is known")
    int max_connections_per_peer() default 8;

    @AttributeDefinition(description = "Streams per connection, each way")
    int max_streams_per_connection() default 4096;

    @AttributeDefinition(description = "Inbound streams one peer may have open over all its connections; one more is "
        + "reset")
    int max_streams_per_peer() default 4096;

    @AttributeDefinition(description = "Inbound streams open for one protocol, all peers together; one more is reset")
    int max_streams_per_protocol() default 8192;

    @AttributeDefinition(description = "Inbound streams one peer may have still choosing their protocol, over all "
        + "its connections; one more is reset")
    int max_negotiating_streams_per_peer() default 64;

    @AttributeDefinition(description = "Yamux control frames (ping answers, window updates, ACKs, resets) a peer may "
        + "leave unread; one more closes its connection")
    int yamux_max_control_backlog() default 1024;

    @AttributeDefinition(description = "Seconds allowed for each protocol negotiation and the TLS or Noise handshake")
    int negotiation_timeout_seconds() default 10;

    @AttributeDefinition(description = "Seconds allowed for a TCP connect")
    int dial_timeout_seconds() default 10;

    @AttributeDefinition(description = "Act as a circuit relay v2 for other peers (off: this node forwards nothing)")
    boolean relay_hop_enabled() default false;

    @AttributeDefinition(
        description = "Relay for trusted peers (members of this node's networks, see TrustedPeers) even when "
            + "relay.hop.enabled is off, with no data or duration limit between two of them")
    boolean relay_hop_members() default true;

    @AttributeDefinition(
        description = "Relay: seconds a reservation lasts unless the peer refreshes it (it also ends when the peer disconnects)")
    int relay_reservation_seconds() default 3600;

    @AttributeDefinition(description = "Relay: reservations held at once")
    int relay_max_reservations() default 128;

    @AttributeDefinition(description = "Relay: relayed connections open at once")
    int relay_max_circuits() default 64;

    @AttributeDefinition(description = "Relay: seconds a relayed connection may last (0: no limit)")
    int relay_circuit_seconds() default 600;

    @AttributeDefinition(description = "Relay: bytes a relayed connection may carry each way (0: no limit)")
    long relay_circuit_bytes() default 64L << 20;
  }

  private static final Logger LOG = LoggerFactory.getLogger(Libp2pTransport.class);

  private final ProtocolRegistry protocols = new ProtocolRegistry();
  private final Host host;
  private final CircuitRelay relay;
  private final AutoRelay autoRelay;
  private final Autonat autonat;
  private final Dcutr dcutr;
  /** Null when AutoNAT decides. */
  private final Libp2pSettings.Fixed fixedReachability;
  private final java.time.Instant started = java.time.Instant.now();
  private final List<TrustedPeers> trustedPeers = new CopyOnWriteArrayList<>();

  @Activate
  public Libp2pTransport(BundleContext context, @Reference NodeIdentity identity, @Reference EventLoops loops,
      Config config) {
    String dataDir = context.getProperty(NodeProperties.DATA_DIR);
    ListenPorts ports = new ListenPorts(dataDir == null ? null : java.nio.file.Path.of(dataDir));
    Libp2pSettings settings = Libp2pSettings.from(config, ports.apply(config.listen_addresses()));
    String version = context.getProperty(NodeProperties.VERSION);
    String agent = "warren/" + (version != null ? version : context.getBundle().getVersion().toString());
    host = new Host(new NodeKeyIdentity(identity), settings.host(), protocols, loops,
        dataDir == null ? null : java.nio.file.Path.of(dataDir, "libp2p", "tls-certificate"));
    relay = HostServices.install(host, agent, settings.relayLimits(), settings.hopEnabled(), settings.hopMembers(),
        this::trusted, null);
    // one DCUtR for both the automatic upgrades (when enabled) and p2p:upgrade, so they share a dial budget
    dcutr = new Dcutr(host, settings.dcutr() != null ? settings.dcutr()
        : new DialBudget(config.dcutr_max_dials_per_peer_per_minute(), config.dcutr_max_dials_per_minute()),
        switch (config.dcutr_birthday()) {
          case "all" -> peer -> true;
          case "members" -> this::trusted;
          default -> null;
        });
    if (settings.dcutr() != null) {
      dcutr.install();
    }
    autonat = new Autonat(host, settings.autonatServer());
    autonat.install(settings.useAutonat());
    LOG.info("libp2p: security {}; Noise transport encryption by {}", settings.host().security(),
        io.warren.libp2p.internal.noise.NoiseHandler.transportCipher());
    if (host.tls() != null) {
      host.tls().whenComplete((tls, e) -> {
        if (e != null) {
          LOG.error("libp2p: TLS 1.3 cannot be set up; connections that choose /tls/1.0.0 fail: {}",
              e.getCause() != null ? e.getCause() : e, e);
          return;
        }
        LOG.info("libp2p: TLS 1.3 by {}", io.warren.libp2p.internal.tls.TlsConfig.engine());
        if (!io.warren.libp2p.internal.tls.TlsConfig.isNative()) {
          LOG.warn("libp2p: the JDK's TLS cannot read certificates with empty names, as js-libp2p makes them: "
              + "such peers fail over /tls/1.0.0; list /noise first in security.protocols to reach them");
        }
      });
    }
    host.start();
    ports.remember(config.listen_addresses(), host.boundPorts());
    fixedReachability = settings.fixedReachability();
    boolean isPrivate = settings.isPrivate();
    // while AutoNAT is unsure, a node that peers see at an IP it does not have (behind NAT) reserves
    // anyway, so it is reachable through a relay within a round trip of meeting one; it releases the
    // reservations if peers turn out to dial it back
    autoRelay = new AutoRelay(host, relay, this::trusted, settings.relayClientMax(),
        settings.useAutonat() ? this::wantsRelays : () -> isPrivate);
    autonat.addListener(autoRelay::tickSoon);
    autoRelay.start();
    if (isPrivate) {
      LOG.info("libp2p: this node is {}; it keeps up to {} relay reservations among its peers",
          reachability(),
          settings.relayClientMax());
    }
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addTrustedPeers(TrustedPeers t) {
    trustedPeers.add(t);
  }

  void removeTrustedPeers(TrustedPeers t) {
    trustedPeers.remove(t);
  }

  /** Whether a registered {@link TrustedPeers} vouches for {@code peer}. */
  boolean trusted(PeerId peer) {
    String id = peer.toString();
    for (TrustedPeers t : trustedPeers) {
      if (t.trusted(id)) {
        return true;
      }
    }
    return false;
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addStreamHandler(StreamHandler handler, Map<String, Object> props) {
    Object p = props.get(StreamHandler.PROTOCOL);
    if (!(p instanceof String protocol) || protocol.isBlank()) {
      LOG.warn("libp2p: a StreamHandler without a {} property is ignored ({})", StreamHandler.PROTOCOL, handler);
      return;
    }
    if (!StreamHandler.offeredOn(props, Host.TRANSPORT_NAME)) {
      return;
    }
    try {
      if (!protocols.add(protocol, handler)) {
        LOG.warn("libp2p: {} already has a handler; {} is ignored while that one is registered", protocol, handler);
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("libp2p: StreamHandler {} ignored: {}", handler, e.getMessage());
    }
  }

  void removeStreamHandler(StreamHandler handler, Map<String, Object> props) {
    if (props.get(StreamHandler.PROTOCOL) instanceof String protocol && StreamHandler.offeredOn(props,
        Host.TRANSPORT_NAME)) {
      protocols.remove(protocol, handler);
    }
  }

  @Deactivate
  void deactivate() {
    autoRelay.close();
    autonat.close();
    host.close();
  }

  // ---- Transport ----

  @Override
  public String name() {
    return Host.TRANSPORT_NAME;
  }

  @Override
  public CompletionStage<Stream> open(PeerRef peer, String protocolId) {
    if (!Host.TRANSPORT_NAME.equals(peer.transport())) {
      return CompletableFuture.failedFuture(new TransportException("libp2p cannot reach " + peer));
    }
    PeerId id;
    try {
      id = PeerId.parse(peer.id());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new TransportException("libp2p: " + e.getMessage(), e));
    }
    return host.newStream(id, protocolId).thenApply(s -> (Stream) s);
  }

  @Override
  public List<String> listenAddresses() {
    String suffix = "/p2p/" + host.peerId();
    return host.advertisedAddresses().stream().map(m -> m + suffix).toList();
  }

  // ---- Libp2pNode ----

  @Override
  public String peerId() {
    return host.peerId().toString();
  }

  @Override
  public List<io.warren.api.Metric> samples() {
    return Libp2pMetrics.samples(host, peers(), relay.hopFigures(), autoRelay.relays());
  }

  @Override
  public List<PeerInfo> peers() {
    return host.connections().stream().map(Libp2pTransport::info).toList();
  }

  @Override
  public CompletionStage<PeerInfo> connect(String multiaddr) {
    return parsed(() -> Multiaddr.fromString(multiaddr), "")
        .thenCompose(m -> host.connect(m).thenCompose(c -> c.identified().handle((d, e) -> info(c))));
  }

  @Override
  public CompletionStage<PingResult> ping(String target, int count) {
    if (count < 1 || count > 10_000) {
      return CompletableFuture.failedFuture(new TransportException("ping count must be 1-10000, got " + count));
    }
    return connection(target).thenCompose(c -> host.newStream(c, Ping.PROTOCOL)
        .thenCompose(s -> Ping.run(s, count))
        .thenApply(rtts -> new PingResult(c.remotePeer().toString(), c.remoteAddress().toString(), c.relayed(), rtts)));
  }

  @Override
  public CompletionStage<EchoResult> echo(String target, long bytes) {
    if (bytes < 0) {
      return CompletableFuture.failedFuture(new TransportException("echo size must not be negative"));
    }
    return connection(target).thenCompose(c -> host.newStream(c, Echo.PROTOCOL)
        .thenCompose(s -> Echo.run(s, bytes))
        .thenApply(r -> new EchoResult(c.remotePeer().toString(), r.sent(), r.received(), r.identical(), r.elapsed())));
  }

  @Override
  public CompletionStage<PeerInfo> upgrade(String peerId) {
    return parsed(() -> PeerId.parse(peerId), "'" + peerId + "' is not a peer ID: ")
        .thenCompose(peer -> dcutr.upgrade(peer).handle((c, e) -> {
          if (e != null) {
            Throwable t =
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            throw new TransportException(peer + " stays relayed: " + t.getMessage(), t);
          }
          return info(c);
        }));
  }

  /** What {@code parse} gives, or a {@link TransportException} with {@code prefix} and the reason it failed. */
  private static <T> CompletableFuture<T> parsed(java.util.function.Supplier<T> parse, String prefix) {
    try {
      return CompletableFuture.completedFuture(parse.get());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new TransportException(prefix + e.getMessage(), e));
    }
  }

  @Override
  public CompletionStage<List<String>> reserve(String relayMultiaddr) {
    Multiaddr m;
    try {
      m = Multiaddr.fromString(relayMultiaddr);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new TransportException(e.getMessage(), e));
    }
    return host.connect(m).thenCompose(autoRelay::reserve)
        .thenApply(r -> r.circuitAddrs().stream().map(Multiaddr::toString).toList());
  }

  @Override
  public void addAddresses(String peerId, List<String> multiaddrs) {
    PeerId peer = PeerId.parse(peerId);
    for (String a : multiaddrs) {
      try {
        if (!host.addAddress(peer, Multiaddr.fromString(a))) {
          LOG.debug("libp2p: ignoring address {} for {}: not a dialable TCP or circuit address of that peer", a, peer);
        }
      } catch (IllegalArgumentException | NullPointerException e) {
        LOG.debug("libp2p: ignoring address {} for {}: {}", a, peer, e.getMessage());
      }
    }
  }

  /** AutoNAT found this node private, or does not know yet and suspects it is ({@link Autonat#suspectedPrivate}). */
  private boolean wantsRelays() {
    Autonat.Status st = autonat.status();
    return st == Autonat.Status.PRIVATE || (st == Autonat.Status.UNKNOWN && autonat.suspectedPrivate());
  }

  @Override
  public String reachability() {
    return reachabilityInfo().summary();
  }

  @Override
  public ReachabilityInfo reachabilityInfo() {
    List<RelayInfo> held = autoRelay.relays().stream().filter(r -> r.heldSince() != null).toList();
    List<String> circuits = held.stream().flatMap(r -> r.circuitAddresses().stream()).toList();
    java.time.Instant circuitSince = held.stream().map(RelayInfo::heldSince).min(java.util.Comparator.naturalOrder())
        .orElse(null);
    if (fixedReachability != null) {
      return new ReachabilityInfo(fixedReachability.status(), fixedReachability.source(), 0, 0, 0, started,
          held.size(), circuits, circuitSince);
    }
    Autonat.Verdict v = autonat.verdict();
    return new ReachabilityInfo(v.status().name().toLowerCase(java.util.Locale.ROOT), "AutoNAT", v.reached(),
        v.unreached(), v.asking(), v.since(), held.size(), circuits, circuitSince);
  }

  @Override
  public List<RelayInfo> relays() {
    return autoRelay.relays();
  }

  @Override
  public List<io.warren.libp2p.LimitInfo> limits(int top) {
    return host.limits(top);
  }

  private CompletableFuture<Connection> connection(String target) {
    if (target == null || target.isBlank()) {
      return CompletableFuture.failedFuture(new TransportException("expected a peer ID or a multiaddr"));
    }
    if (target.startsWith("/")) {
      try {
        return host.connect(Multiaddr.fromString(target));
      } catch (IllegalArgumentException e) {
        return CompletableFuture.failedFuture(new TransportException(e.getMessage(), e));
      }
    }
    try {
      return host.connectionTo(PeerId.parse(target));
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new TransportException("'" + target
          + "' is neither a peer ID nor a multiaddr: " + e.getMessage(), e));
    }
  }

  static PeerInfo info(Connection c) {
    Connection.PeerDetails d = c.details();
    return new PeerInfo(c.remotePeer().toString(), c.remoteAddress().toString(), c.outbound(), c.relayed(),
        c.muxer().streamCount(), d == null ? "" : d.agentVersion(), d == null ? List.of() : d.protocols(),
        d != null && d.signedRecord(), c.opened(), c.security(), c.muxer().rtt());
  }
}
