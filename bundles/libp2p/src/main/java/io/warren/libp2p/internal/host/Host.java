package io.warren.libp2p.internal.host;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.warren.api.PeerId;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import io.warren.libp2p.internal.noise.NoiseConfig;
import io.warren.libp2p.internal.quic.QuicConfig;
import io.warren.libp2p.internal.tls.Libp2pCertificate;
import io.warren.libp2p.internal.tls.StoredCertificate;
import io.warren.libp2p.internal.tls.TlsConfig;
import io.warren.yamux.YamuxConfig;
import io.warren.yamux.YamuxFrame;
import io.warren.yamux.YamuxSession;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libp2p host on TCP and QUIC ({@link QuicEndpoint}), and the one entry point to it: listens ({@link Listeners}), dials
 * ({@link Dialer}), upgrades connections ({@link Upgrader}), keeps them in a
 * {@link ConnectionManager} with their lifecycle here, and opens and answers streams
 * ({@link Streams}) with the handlers of a {@link ProtocolRegistry}. It runs on the node's shared
 * {@link EventLoops} and never shuts them down: {@link #close()} closes its own listeners and
 * connections.
 */
public final class Host implements AutoCloseable {
  public static final String TRANSPORT_NAME = "libp2p";
  static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("warren.libp2p.connection");
  /** Set on a relayed connection's channel (a stream of the connection to the relay): its circuit address. */
  static final AttributeKey<Multiaddr> CIRCUIT = AttributeKey.valueOf("warren.libp2p.circuit");

  private static final Logger LOG = LoggerFactory.getLogger(Host.class);

  private final LocalIdentity identity;
  private final HostConfig config;
  private final ProtocolRegistry protocols;
  private final ChannelGroup channels = new DefaultChannelGroup("libp2p", GlobalEventExecutor.INSTANCE);
  private final ResourceScopes scopes;
  private final ConnectionManager connections;
  /** The libp2p certificate of TLS and QUIC, being made; null when neither runs. */
  private final CompletableFuture<Libp2pCertificate> certificate;
  private final CompletableFuture<TlsConfig> tls;
  private final Upgrader upgrader;
  private final Streams streams;
  private final StreamBytes streamBytes = new StreamBytes();
  private final HolePunches punches;
  private final Listeners listeners;
  private final Dialer dialer;
  /** Null when QUIC is off or cannot run here. */
  private final QuicEndpoint quic;
  private final List<ConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
  private volatile List<Multiaddr> circuitAddresses = List.of();
  private final List<Runnable> addressListeners = new CopyOnWriteArrayList<>();
  private volatile CircuitDialer circuitDialer;

  /** Dials {@code /.../p2p/<relay>/p2p-circuit/p2p/<peer>} addresses (the relay client installs one). */
  @FunctionalInterface
  public interface CircuitDialer {
    CompletableFuture<Connection> dial(Multiaddr circuit, PeerId target);
  }

  public void setCircuitDialer(CircuitDialer dialer) {
    this.circuitDialer = dialer;
  }

  /** Told about each new connection, on its event loop. */
  @FunctionalInterface
  public interface ConnectionListener {
    void connected(Connection connection);
  }

  /** A host on {@code loops} (shared: the host never shuts them down). */
  public Host(LocalIdentity identity, HostConfig config, ProtocolRegistry protocols, EventLoops loops) {
    this(identity, config, protocols, loops, null);
  }

  /**
   * A host on {@code loops} that keeps its TLS certificate in {@code certificateFile} from one
   * start to the next ({@link StoredCertificate}); null makes a new one each time (tests).
   */
  public Host(LocalIdentity identity, HostConfig config, ProtocolRegistry protocols, EventLoops loops,
      java.nio.file.Path certificateFile) {
    this.identity = identity;
    this.config = config;
    this.protocols = protocols;
    this.scopes = new ResourceScopes(config.limits());
    this.connections = new ConnectionManager(scopes);
    this.streams = new Streams(config, protocols, scopes, streamBytes);
    YamuxConfig yamux = YamuxConfig.DEFAULT.withMaxInboundStreams(config.maxStreamsPerConnection())
        .withMaxControlBacklog(config.maxControlBacklog());
    List<String> muxers = List.of(YamuxFrame.PROTOCOL_ID);
    // one certificate for TCP's TLS and for QUIC (its P-256 key and signature are most of either's
    // set-up), kept from the last start when there is one, else made off the start thread (QUIC's
    // listener waits for it); TLS's OpenSSL contexts too
    boolean wantsTls = config.security().contains(TlsConfig.PROTOCOL_ID);
    this.certificate = wantsTls || config.quic()
        ? CompletableFuture.supplyAsync(() -> certificateFile == null ? Libp2pCertificate.generate(identity)
            : StoredCertificate.loadOrMake(certificateFile, identity))
        : null;
    this.tls = wantsTls ? certificate.thenApplyAsync(c -> new TlsConfig(c, muxers)) : null;
    this.upgrader = new Upgrader(config.security(), new NoiseConfig(identity, muxers), tls, yamux,
        config.negotiationTimeout(), streams.inboundInitializer(), this::established);
    this.punches = new HolePunches(loops.group());
    this.listeners = new Listeners(loops, config.listen(), connections, channels, upgrader, punches);
    this.quic = quicEndpoint(loops);
    this.dialer = new Dialer(identity.peerId(), loops, config, connections, channels, upgrader, listeners, quic,
        () -> circuitDialer);
  }

  private QuicEndpoint quicEndpoint(EventLoops loops) {
    if (!config.quic()) {
      return null;
    }
    String why = QuicConfig.unavailability();
    if (why != null) {
      LOG.info("libp2p: QUIC is not available here ({}); TCP only, no QUIC address announced", why);
      return null;
    }
    try {
      return new QuicEndpoint(this, loops, config, connections, channels, streams.inboundInitializer(),
          new QuicConfig(certificate.join()));
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("libp2p: QUIC cannot be set up ({}); TCP only, no QUIC address announced", e.toString(), e);
      return null;
    }
  }

  /** Whether this host listens for and dials QUIC ({@code /quic-v1}). */
  public boolean quic() {
    return quic != null;
  }

  public PeerId peerId() {
    return identity.peerId();
  }

  public LocalIdentity identity() {
    return identity;
  }

  public HostConfig config() {
    return config;
  }

  /** TLS as this host runs it, once made; null when {@code security.protocols} leaves TLS out. */
  public CompletableFuture<TlsConfig> tls() {
    return tls;
  }

  public ProtocolRegistry protocols() {
    return protocols;
  }

  public void addConnectionListener(ConnectionListener l) {
    connectionListeners.add(l);
  }

  /** Binds every configured listen address; throws (closing what was bound) if one cannot be bound. */
  public void start() {
    try {
      listeners.start(identity.peerId());
      if (quic != null) {
        quic.start(listeners.boundAddresses(), identity.peerId());
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The TCP port of each listener, in the order of the configured listen addresses. */
  public List<Integer> boundPorts() {
    return listeners.boundPorts();
  }

  /** Where this host can be dialled (wildcard binds expanded to the interfaces' addresses), without /p2p. */
  public List<Multiaddr> listenAddresses() {
    if (quic == null || quic.listenAddresses().isEmpty()) {
      return listeners.listenAddresses();
    }
    List<Multiaddr> all = new ArrayList<>(listeners.listenAddresses());
    all.addAll(quic.listenAddresses());
    return List.copyOf(all);
  }

  /**
   * Where peers can reach this host, without /p2p: its listen addresses, then the circuit
   * addresses ({@code .../p2p/<relay>/p2p-circuit}) of the relay reservations it holds.
   */
  public List<Multiaddr> advertisedAddresses() {
    List<Multiaddr> circuits = circuitAddresses;
    if (circuits.isEmpty()) {
      return listenAddresses();
    }
    List<Multiaddr> all = new ArrayList<>(listenAddresses());
    all.addAll(circuits);
    return List.copyOf(all);
  }

  /** Sets the circuit addresses this host is reachable at (the relay client does); listeners hear of a change. */
  public void setCircuitAddresses(List<Multiaddr> circuits) {
    List<Multiaddr> now = List.copyOf(circuits);
    if (now.equals(circuitAddresses)) {
      return;
    }
    circuitAddresses = now;
    LOG.info("libp2p: reachable through relays at {}", now.isEmpty() ? "(none)" : now);
    for (Runnable l : addressListeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        LOG.warn("libp2p: address listener failed: {}", e.toString(), e);
      }
    }
  }

  /**
   * The direct addresses peers might reach this host at, best guesses first (see
   * {@link #candidates}), from what peers observed on direct connections and the TCP and QUIC
   * listen addresses. For DCUtR (both transports) and AutoNAT (TCP only).
   */
  public List<Multiaddr> candidateAddresses() {
    List<Multiaddr> observed = new ArrayList<>();
    for (Connection c : connections.all()) {
      Connection.PeerDetails d = c.details();
      if (!c.relayed() && d != null && d.observedAddr() != null) {
        observed.add(d.observedAddr().withoutPeerId());
      }
    }
    return candidates(observed, listeners.listenAddresses(), quic == null ? List.of() : quic.listenAddresses());
  }

  /**
   * Candidate addresses from {@code observed} ones ({@code /ip4|ip6/<ip>/tcp/<port>} or
   * {@code .../udp/<port>/quic-v1}; others ignored): each observed IP with each TCP listen port and
   * each QUIC listen port (a NAT that keeps ports maps a connection or a datagram from the listen
   * port there, whichever transport the peer saw us on), the observed addresses themselves, then
   * the listen addresses; TCP before QUIC within each group, no duplicates. No QUIC candidate when
   * {@code quicListen} is empty (QUIC off or not available).
   */
  static List<Multiaddr> candidates(List<Multiaddr> observed, List<Multiaddr> tcpListen, List<Multiaddr> quicListen) {
    java.util.Set<Multiaddr> tcp = new java.util.LinkedHashSet<>();
    java.util.Set<Multiaddr> udp = new java.util.LinkedHashSet<>();
    for (Multiaddr o : observed) {
      List<Multiaddr.Component> oc = o.components();
      boolean isTcp = TcpAddresses.dialable(o);
      if ((!isTcp && !TcpAddresses.quic(o))
          || (oc.get(0).protocol() != Protocol.IP4 && oc.get(0).protocol() != Protocol.IP6)) {
        continue;
      }
      Multiaddr.Component ip = oc.get(0);
      for (Multiaddr l : tcpListen) {
        if (l.components().get(0).protocol() == ip.protocol()) {
          tcp.add(Multiaddr.of(List.of(ip, l.components().get(1))));
        }
      }
      for (Multiaddr l : quicListen) {
        if (l.components().get(0).protocol() == ip.protocol()) {
          udp.add(Multiaddr.of(List.of(ip, l.components().get(1), l.components().get(2))));
        }
      }
      (isTcp ? tcp : udp).add(o);
    }
    tcp.addAll(tcpListen);
    udp.addAll(quicListen);
    List<Multiaddr> out = new ArrayList<>(tcp);
    if (!quicListen.isEmpty()) {
      out.addAll(udp);
    }
    return out;
  }

  /** Told when {@link #advertisedAddresses()} changed. */
  public void addAddressListener(Runnable l) {
    addressListeners.add(l);
  }

  public List<Connection> connections() {
    return connections.all();
  }

  /** Usage and limits of each scope (see {@link ResourceScopes#usage}), the {@code top} busiest of each kind. */
  public List<io.warren.libp2p.LimitInfo> limits(int top) {
    return scopes.usage(connections.connectionsByPeer(), top);
  }

  /** Refusals so far by resource limit (see {@link ResourceScopes#refusals()}). */
  public Map<String, Long> limitRefusals() {
    return scopes.refusals();
  }

  /** Payload bytes of streams by protocol since start (see {@link StreamBytes}). */
  public StreamBytes streamBytes() {
    return streamBytes;
  }

  /** Connection upgrades (the TLS or Noise handshake and the muxer) finished since start, by direction and outcome. */
  public long handshakes(boolean outbound, boolean failed) {
    return upgrader.handshakes(outbound, failed);
  }

  /** Addresses learned for {@code peer}. */
  public List<Multiaddr> knownAddresses(PeerId peer) {
    return connections.addresses(peer);
  }

  /**
   * Remembers {@code addr} for {@code peer} if it is one this host can dial: {@code /ip4|ip6|dns*\/<host>/tcp/<port>},
   * {@code .../udp/<port>/quic-v1} when QUIC runs here, or {@code <that>/p2p/<relay>/p2p-circuit}, either optionally ending in {@code /p2p/<peer>}; false if not.
   */
  public boolean addAddress(PeerId peer, Multiaddr addr) {
    var last = addr.peerId();
    if (last.isPresent() && !last.get().equals(peer) && !TcpAddresses.endsInCircuit(addr)) {
      return false; // names another peer
    }
    Multiaddr a = TcpAddresses.endsInCircuit(addr) ? addr : addr.withoutPeerId();
    if (!TcpAddresses.dialable(a) && !TcpAddresses.validCircuit(a) && !(quic != null && TcpAddresses.quic(a))) {
      return false;
    }
    connections.addAddress(peer, a);
    return true;
  }

  // ---- dialing (see Dialer) ----

  /** Connects to {@code addr}, reusing an open connection if it names a peer we are connected to. */
  public CompletableFuture<Connection> connect(Multiaddr addr) {
    return dialer.connect(addr);
  }

  /** An open connection to {@code peer}, or one dialled at the addresses known for it, in order. */
  public CompletableFuture<Connection> connectionTo(PeerId peer) {
    return dialer.connectionTo(peer);
  }

  /**
   * Dials {@code addr} (a TCP address) for a connection upgrade through a relay (DCUtR), never
   * reusing an open connection. {@code initiator}: this side takes the dialer's roles in
   * multistream-select and TLS or Noise; false for the side that answers the hole punch, which dials only
   * to open its NAT and acts as the listener, so that a TCP simultaneous open gives one connection
   * with agreed roles. {@code fromListenPort}: the socket leaves from this host's listen port
   * (SO_REUSEPORT), the port peers observed, so NATs map the punch to it.
   */
  public CompletableFuture<Connection> dialDirect(Multiaddr addr, PeerId expected, boolean initiator,
      boolean fromListenPort) {
    return dialer.dialDirect(addr, expected, initiator, fromListenPort);
  }

  /**
   * DCUtR's UDP hole punch without dialling: random datagrams from our QUIC port to the QUIC
   * addresses among {@code to} (IP ones), until {@code until} completes or {@code window} passed
   * (see {@link QuicEndpoint#punch}). Nothing when QUIC does not run here.
   */
  public void punchUdp(List<Multiaddr> to, CompletableFuture<?> until, Duration window) {
    if (quic == null) {
      return;
    }
    List<InetSocketAddress> targets = new ArrayList<>();
    for (Multiaddr m : to) {
      Protocol p = m.components().get(0).protocol();
      if (TcpAddresses.quic(m) && (p == Protocol.IP4 || p == Protocol.IP6)) {
        targets.add(TcpAddresses.socketAddress(m));
      }
    }
    quic.punch(targets, until, window);
  }

  /** See {@link HolePunches#expectQuic}. */
  public CompletableFuture<Connection> expectQuicPunch(PeerId peer, Duration window) {
    return punches.expectQuic(peer, window);
  }

  /**
   * Whether this host's NAT changes ports (symmetric): a peer observed one of our direct
   * connections at another port than the one it leaves from. False when none did or none tells.
   */
  public boolean natChangesPorts() {
    for (Connection c : connections.all()) {
      Connection.PeerDetails d = c.details();
      if (c.relayed() || d == null || d.observedAddr() == null) {
        continue;
      }
      List<Multiaddr.Component> oc = d.observedAddr().withoutPeerId().components();
      InetSocketAddress local = c.channel().localAddress() instanceof InetSocketAddress a ? a
          : c.channel().attr(QuicEndpoint.LOCAL_UDP).get();
      boolean sameKind = TcpAddresses.quic(d.observedAddr()) == "quic".equals(c.transport());
      if (local != null && oc.size() >= 2 && sameKind
          && Integer.parseInt(oc.get(1).valueText()) != local.getPort()) {
        return true;
      }
    }
    return false;
  }

  /**
   * A birthday punch from the port-changing side (see {@link QuicEndpoint#birthdayDial}) to the
   * QUIC addresses among {@code to}: {@code sockets} fresh ports; completes with the connection
   * dialled from the first one the peer's datagrams reach.
   */
  public CompletableFuture<Connection> birthdayDial(List<Multiaddr> to, PeerId peer, int sockets, Duration window) {
    if (quic == null) {
      return failed("libp2p: no QUIC here");
    }
    ResourceScopes.Slot slot = connections.scopes().dialOutbound();
    if (slot == null) {
      return failed("libp2p: connection limit reached (" + connections.maxConnections() + " open, max.connections)");
    }
    List<InetSocketAddress> targets = new ArrayList<>();
    for (Multiaddr m : to) {
      Protocol p = m.components().get(0).protocol();
      if (TcpAddresses.quic(m) && (p == Protocol.IP4 || p == Protocol.IP6)) {
        targets.add(TcpAddresses.socketAddress(m));
      }
    }
    CompletableFuture<Connection> result = new CompletableFuture<>();
    quic.birthdayDial(targets, peer, sockets, window, slot, result);
    return result;
  }

  /**
   * The port-keeping side of a birthday punch (see {@link QuicEndpoint#spray}): datagrams from our
   * QUIC port to each of {@code ports} at {@code ip}, spread over {@code over}, until {@code until}.
   */
  public void birthdaySpray(java.net.InetAddress ip, int[] ports, Duration over, CompletableFuture<?> until) {
    if (quic != null) {
      quic.spray(ip, ports, over, until);
    }
  }

  /** An inbound QUIC connection registered (see {@link HolePunches#quicArrived}). */
  void punchArrived(Connection c) {
    punches.quicArrived(c);
  }

  /** See {@link HolePunches#expect}. */
  public CompletableFuture<Connection> expectPunch(List<Multiaddr> from, PeerId peer, Duration window) {
    return punches.expect(from, peer, window);
  }

  /** The socket address of {@code addr}, a DNS name looked up off the event loops. */
  CompletableFuture<InetSocketAddress> resolve(Multiaddr addr) {
    return dialer.resolve(addr);
  }

  // ---- streams (see Streams) ----

  /** Opens a stream to {@code peer} (connecting if needed) speaking {@code protocol}. */
  public CompletableFuture<Libp2pStream> newStream(PeerId peer, String protocol) {
    return connectionTo(peer).thenCompose(c -> newStream(c, protocol));
  }

  /**
   * Opens a stream on {@code c}, proposing {@code protocol} lazily (header, proposal and the stream's
   * SYN leave in one flush); completes once the peer confirmed the protocol, with auto-read off.
   */
  public CompletableFuture<Libp2pStream> newStream(Connection c, String protocol) {
    return streams.open(c, protocol);
  }

  // ---- connection lifecycle ----

  /** On the event loop, once Yamux is in place. */
  private Connection established(Channel ch, YamuxSession session, Upgrader.Secured secured, boolean outbound) {
    Multiaddr circuit = ch.attr(CIRCUIT).get();
    return circuit != null ? register(ch, Muxer.yamux(session), secured, outbound, circuit, true)
        : register(ch, Muxer.yamux(session), secured, outbound,
            TcpAddresses.toMultiaddr((InetSocketAddress) ch.remoteAddress()), false);
  }

  /** Registers an authenticated, multiplexed connection (TCP, relayed, or QUIC at {@code remote}); on its event loop. */
  Connection register(Channel ch, Muxer muxer, Upgrader.Secured secured, boolean outbound, Multiaddr remote,
      boolean relayed) {
    Multiaddr circuit = relayed ? remote : null;
    Connection c = new Connection(ch, muxer, secured.remotePeer(), secured.remoteKey(), secured.security(), outbound,
        remote, relayed);
    ch.attr(CONNECTION).set(c);
    if (circuit != null) {
      // the relay stream carrying this connection ended: the connection has, as a TCP one would at EOF
      ch.pipeline().addFirst("relayed-eof", new io.netty.channel.ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
          if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            LOG.debug("[{}] libp2p: the relay ended relayed connection {}", ctx.channel(),
                ctx.channel().attr(CONNECTION).get());
            ctx.close();
          }
          super.userEventTriggered(ctx, evt);
        }
      });
    }
    connections.add(c);
    if (outbound && !c.relayed()) {
      connections.addAddress(c.remotePeer(), c.remoteAddress());
    }
    ch.closeFuture().addListener(x -> {
      connections.remove(c);
      c.recordIdentifyFailure(new TransportException("libp2p: connection closed"));
      LOG.debug("[{}] libp2p: connection {} closed", ch.id(), c);
    });
    LOG.debug("[{}] libp2p: connected {}", ch.id(), c);
    for (ConnectionListener l : connectionListeners) {
      try {
        l.connected(c);
      } catch (RuntimeException e) {
        LOG.warn("[{}] libp2p: connection listener failed: {}", ch.id(), e.toString(), e);
      }
    }
    return c;
  }

  /**
   * Runs the connection upgrade (multistream, TLS or Noise, Yamux) inside {@code stream}, a stream to or
   * from a relay that now carries a relayed connection; {@code circuit} is the address it stands for.
   */
  public CompletableFuture<Connection> upgradeRelayed(Libp2pStream stream, boolean outbound, PeerId expected,
      Multiaddr circuit) {
    CompletableFuture<Connection> result = new CompletableFuture<>();
    Channel ch = stream.channel();
    ch.eventLoop().execute(() -> {
      ch.attr(CIRCUIT).set(circuit);
      upgrader.install(ch, outbound, expected).whenComplete((c, e) -> {
        if (e != null) {
          result.completeExceptionally(new TransportException("libp2p: relayed connection via " + circuit
              + " failed: " + unwrap(e).getMessage(), unwrap(e)));
        } else {
          result.complete(c);
        }
      });
      StreamInbox.handOver(ch);
      ch.config().setAutoRead(true);
    });
    return result;
  }

  /**
   * Stops listening, tells peers we are going away and closes every connection of this host; the
   * shared event loops go on (they belong to the node).
   */
  @Override
  public void close() {
    listeners.close();
    dialer.close();
    for (Connection c : connections.all()) {
      if (c.isOpen()) {
        c.muxer().goAway();
      }
    }
    channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    if (quic != null) {
      quic.close();
    }
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof java.util.concurrent.CompletionException
        || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  static <T> CompletableFuture<T> failed(String message) {
    return CompletableFuture.failedFuture(new TransportException(message));
  }
}
