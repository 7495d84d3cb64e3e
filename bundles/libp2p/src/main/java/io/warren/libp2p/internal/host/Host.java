package io.warren.libp2p.internal.host;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.warren.api.PeerRef;
import io.warren.api.StreamHandler;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import io.warren.libp2p.internal.multistream.MultistreamHandler;
import io.warren.libp2p.internal.noise.NoiseConfig;
import io.warren.libp2p.internal.noise.NoiseSession;
import io.warren.yamux.YamuxConfig;
import io.warren.yamux.YamuxFrame;
import io.warren.yamux.YamuxSession;
import io.warren.yamux.YamuxStreamChannel;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libp2p host on TCP: listens, dials, upgrades connections (see {@link Upgrader}), keeps them in
 * a {@link ConnectionManager}, opens streams with multistream-select and answers inbound streams
 * with the handlers of a {@link ProtocolRegistry}. It runs on the node's shared {@link EventLoops}
 * and never shuts them down: {@link #close()} closes its own listeners and connections.
 *
 * <p>Inbound and outbound streams reach their owner with auto-read off and a {@link StreamInbox}
 * right after the negotiation, so no byte is lost between selection and the owner's first read.
 */
public final class Host implements AutoCloseable {
  public static final String TRANSPORT_NAME = "libp2p";
  static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("warren.libp2p.connection");
  /** Set on a relayed connection's channel (a stream of the connection to the relay): its circuit address. */
  static final AttributeKey<Multiaddr> CIRCUIT = AttributeKey.valueOf("warren.libp2p.circuit");
  static final String MSS_STREAM = "mss-stream";

  private static final Logger LOG = LoggerFactory.getLogger(Host.class);

  private final LocalIdentity identity;
  private final HostConfig config;
  private final ProtocolRegistry protocols;
  private final EventLoops loops;
  private final ChannelGroup channels;
  private final ConnectionManager connections;
  private final Upgrader upgrader;
  private final List<Channel> servers = new CopyOnWriteArrayList<>();
  /** DNS lookups block; they run here, not on an event loop. */
  private final java.util.concurrent.ExecutorService resolver = new java.util.concurrent.ThreadPoolExecutor(0, 2,
      30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), new DefaultThreadFactory("warren-libp2p-dns", true));
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private volatile List<Multiaddr> listenAddresses = List.of();
  private volatile List<Multiaddr> circuitAddresses = List.of();
  private final List<Runnable> addressListeners = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
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
    this.identity = identity;
    this.config = config;
    this.protocols = protocols;
    this.loops = loops;
    this.channels = new DefaultChannelGroup("libp2p", GlobalEventExecutor.INSTANCE);
    this.connections = new ConnectionManager(config.maxConnections());
    YamuxConfig yamux = YamuxConfig.DEFAULT.withMaxInboundStreams(config.maxStreamsPerConnection());
    this.upgrader = new Upgrader(new NoiseConfig(identity, List.of(YamuxFrame.PROTOCOL_ID)), yamux,
        config.negotiationTimeout(), new InboundStreams(), this::established);
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

  public ProtocolRegistry protocols() {
    return protocols;
  }

  public void addConnectionListener(ConnectionListener l) {
    listeners.add(l);
  }

  /** Binds every configured listen address; throws (closing what was bound) if one cannot be bound. */
  public void start() {
    List<Multiaddr> bound = new ArrayList<>();
    try {
      for (Multiaddr m : config.listen()) {
        InetSocketAddress at = socketAddress(m);
        // SO_REUSEPORT lets a hole-punching dial leave from this port (see dialDirect) while we listen on it
        ChannelFuture f = new ServerBootstrap().group(loops.group()).channel(loops.serverSocketChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(NioChannelOption.of(java.net.StandardSocketOptions.SO_REUSEPORT), true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                accepted(ch);
              }
            })
            .bind(at).awaitUninterruptibly();
        if (!f.isSuccess()) {
          throw new TransportException("libp2p: cannot listen on " + m + ": " + f.cause().getMessage(), f.cause());
        }
        servers.add(f.channel());
        InetSocketAddress local = (InetSocketAddress) f.channel().localAddress();
        bound.addAll(expand(local));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    listenAddresses = List.copyOf(bound);
    for (Multiaddr m : listenAddresses) {
      LOG.info("libp2p listening on {}/p2p/{}", m, identity.peerId());
    }
  }

  /** Where this host can be dialled (wildcard binds expanded to the interfaces' addresses), without /p2p. */
  /** The TCP port of each listener, in the order of the configured listen addresses. */
  public List<Integer> boundPorts() {
    return servers.stream().map(c -> ((InetSocketAddress) c.localAddress()).getPort()).toList();
  }

  public List<Multiaddr> listenAddresses() {
    return listenAddresses;
  }

  /**
   * Where peers can reach this host, without /p2p: its listen addresses, then the circuit
   * addresses ({@code .../p2p/<relay>/p2p-circuit}) of the relay reservations it holds.
   */
  public List<Multiaddr> advertisedAddresses() {
    List<Multiaddr> circuits = circuitAddresses;
    if (circuits.isEmpty()) {
      return listenAddresses;
    }
    List<Multiaddr> all = new ArrayList<>(listenAddresses);
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
   * The direct addresses peers might reach this host at, best guesses first: each address peers
   * observed on direct connections, also with each listen port (a NAT that keeps ports maps a
   * connection from the listen port there), then the listen addresses. For DCUtR and AutoNAT.
   */
  public List<Multiaddr> candidateAddresses() {
    java.util.Set<Multiaddr> out = new java.util.LinkedHashSet<>();
    List<Multiaddr> listen = listenAddresses;
    for (Connection c : connections.all()) {
      Connection.PeerDetails d = c.details();
      if (c.relayed() || d == null || d.observedAddr() == null) {
        continue;
      }
      Multiaddr observed = d.observedAddr().withoutPeerId();
      List<Multiaddr.Component> oc = observed.components();
      if (oc.size() != 2 || (oc.get(0).protocol() != Protocol.IP4 && oc.get(0).protocol() != Protocol.IP6)
          || oc.get(1).protocol() != Protocol.TCP) {
        continue;
      }
      for (Multiaddr l : listen) {
        if (l.components().get(0).protocol() == oc.get(0).protocol()) {
          out.add(Multiaddr.of(List.of(oc.get(0), l.components().get(1))));
        }
      }
      out.add(observed);
    }
    out.addAll(listen);
    return new ArrayList<>(out);
  }

  /** Told when {@link #advertisedAddresses()} changed. */
  public void addAddressListener(Runnable l) {
    addressListeners.add(l);
  }

  public List<Connection> connections() {
    return connections.all();
  }

  /** Addresses learned for {@code peer}. */
  public List<Multiaddr> knownAddresses(PeerId peer) {
    return connections.addresses(peer);
  }

  /**
   * Remembers {@code addr} for {@code peer} if it is one this host can dial: {@code /ip4|ip6|dns*\/<host>/tcp/<port>}
   * or {@code <that>/p2p/<relay>/p2p-circuit}, either optionally ending in {@code /p2p/<peer>}; false if not.
   */
  public boolean addAddress(PeerId peer, Multiaddr addr) {
    var last = addr.peerId();
    if (last.isPresent() && !last.get().equals(peer) && !endsInCircuit(addr)) {
      return false; // names another peer
    }
    Multiaddr a = endsInCircuit(addr) ? addr : addr.withoutPeerId();
    if (!dialable(a) && !validCircuit(a)) {
      return false;
    }
    connections.addAddress(peer, a);
    return true;
  }

  private static boolean endsInCircuit(Multiaddr m) {
    List<Multiaddr.Component> c = m.components();
    return c.get(c.size() - 1).protocol() == Protocol.P2P_CIRCUIT;
  }

  /** {@code /ip4|ip6|dns*\/<host>/tcp/<port>/p2p/<relay>/p2p-circuit}: a relay we can dial, and nothing after. */
  static boolean validCircuit(Multiaddr m) {
    List<Multiaddr.Component> c = m.components();
    int n = c.size();
    if (n < 4 || c.get(n - 1).protocol() != Protocol.P2P_CIRCUIT || c.get(n - 2).protocol() != Protocol.P2P) {
      return false;
    }
    return dialable(Multiaddr.of(c.subList(0, n - 2)));
  }

  /** Connects to {@code addr}, reusing an open connection if it names a peer we are connected to. */
  public CompletableFuture<Connection> connect(Multiaddr addr) {
    PeerId expected;
    try {
      expected = addr.peerId().orElse(null);
    } catch (IllegalArgumentException e) {
      return failed("libp2p: bad peer id in " + addr + ": " + e.getMessage());
    }
    Multiaddr transport = addr.withoutPeerId();
    if (isCircuit(addr)) {
      CircuitDialer d = circuitDialer;
      if (expected == null || d == null) {
        return failed("libp2p: cannot dial " + addr + (d == null ? " (no relay client)" : " (expected .../p2p-circuit/p2p/<peer>)"));
      }
      if (expected.equals(identity.peerId())) {
        return failed("libp2p: " + addr + " is this node");
      }
      connections.addAddress(expected, addr.withoutPeerId());
      return connections.get(expected).map(CompletableFuture::completedFuture)
          .orElseGet(() -> connections.dialOnce(expected, () -> d.dial(addr, expected)));
    }
    if (!dialable(transport)) {
      return failed("libp2p: cannot dial " + addr + " (expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/p2p/<id>])");
    }
    if (expected == null) {
      return dial(transport, null);
    }
    if (expected.equals(identity.peerId())) {
      return failed("libp2p: " + addr + " is this node");
    }
    connections.addAddress(expected, transport);
    return connections.get(expected).map(CompletableFuture::completedFuture)
        .orElseGet(() -> connections.dialOnce(expected, () -> dial(transport, expected)));
  }

  /** An open connection to {@code peer}, or one dialled at the addresses known for it, in order. */
  public CompletableFuture<Connection> connectionTo(PeerId peer) {
    var open = connections.get(peer);
    if (open.isPresent()) {
      return CompletableFuture.completedFuture(open.get());
    }
    if (peer.equals(identity.peerId())) {
      return failed("libp2p: " + peer + " is this node");
    }
    List<Multiaddr> addrs = connections.addresses(peer);
    if (addrs.isEmpty()) {
      return failed("libp2p: no known address for peer " + peer + " (connect to a multiaddr of it first)");
    }
    return connections.dialOnce(peer, () -> dialInTurn(addrs, 0, peer, null));
  }

  private CompletableFuture<Connection> dialInTurn(List<Multiaddr> addrs, int i, PeerId peer, Throwable last) {
    if (i >= addrs.size()) {
      return failed("libp2p: cannot reach " + peer + " at any of " + addrs + ": "
          + (last == null ? "?" : last.getMessage()));
    }
    Multiaddr a = addrs.get(i);
    CompletableFuture<Connection> attempt;
    if (isCircuit(a)) {
      CircuitDialer d = circuitDialer;
      attempt = d == null ? failed("libp2p: no relay client for " + a)
          : d.dial(Multiaddr.fromString(a + "/p2p/" + peer), peer);
    } else {
      attempt = dial(a, peer);
    }
    return attempt.handle((c, e) -> c != null ? CompletableFuture.completedFuture(c)
        : dialInTurn(addrs, i + 1, peer, unwrap(e))).thenCompose(f -> f);
  }

  private CompletableFuture<Connection> dial(Multiaddr addr, PeerId expected) {
    return dial(addr, expected, true, false);
  }

  /**
   * Dials {@code addr} (a TCP address) for a connection upgrade through a relay (DCUtR), never
   * reusing an open connection. {@code initiator}: this side takes the dialer's roles in
   * multistream-select and Noise; false for the side that answers the hole punch, which dials only
   * to open its NAT and acts as the listener, so that a TCP simultaneous open gives one connection
   * with agreed roles. {@code fromListenPort}: the socket leaves from this host's listen port
   * (SO_REUSEPORT), the port peers observed, so NATs map the punch to it.
   */
  public CompletableFuture<Connection> dialDirect(Multiaddr addr, PeerId expected, boolean initiator,
      boolean fromListenPort) {
    if (!dialable(addr.withoutPeerId())) {
      return failed("libp2p: cannot dial " + addr + " directly");
    }
    return dial(addr.withoutPeerId(), expected, initiator, fromListenPort);
  }

  private CompletableFuture<Connection> dial(Multiaddr addr, PeerId expected, boolean initiator, boolean fromListenPort) {
    if (closed) {
      return failed("libp2p: host is stopped");
    }
    if (!connections.tryOpenChannel()) {
      return failed("libp2p: connection limit reached (" + connections.maxConnections() + " open)");
    }
    CompletableFuture<Connection> result = new CompletableFuture<>();
    resolve(addr).whenComplete((to, e) -> {
      if (e != null) {
        connections.channelClosed();
        result.completeExceptionally(new TransportException("libp2p: cannot dial " + addr + ": "
            + unwrap(e).getMessage(), unwrap(e)));
      } else {
        connect(addr, to, expected, initiator, fromListenPort, result);
      }
    });
    return result;
  }

  /**
   * The socket address of {@code addr}; a DNS name is looked up on the resolver threads, never on
   * an event loop (the JDK's lookup blocks). {@code dns4}/{@code dns6} take an IPv4/IPv6 answer.
   */
  CompletableFuture<InetSocketAddress> resolve(Multiaddr addr) {
    InetSocketAddress at;
    try {
      at = socketAddress(addr);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!at.isUnresolved()) {
      return CompletableFuture.completedFuture(at);
    }
    Protocol family = addr.withoutPeerId().components().get(0).protocol();
    return CompletableFuture.supplyAsync(() -> {
      try {
        for (InetAddress ip : InetAddress.getAllByName(at.getHostString())) {
          boolean v6 = ip instanceof Inet6Address;
          if (family == Protocol.DNS || (family == Protocol.DNS6) == v6) {
            return new InetSocketAddress(ip, at.getPort());
          }
        }
        throw new IllegalArgumentException("no " + (family == Protocol.DNS4 ? "IPv4" : "IPv6") + " address for "
            + at.getHostString());
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException("unknown host " + at.getHostString(), e);
      }
    }, resolver);
  }

  private void connect(Multiaddr addr, InetSocketAddress to, PeerId expected, boolean initiator,
      boolean fromListenPort, CompletableFuture<Connection> result) {
    if (closed) {
      connections.channelClosed();
      result.completeExceptionally(new TransportException("libp2p: host is stopped"));
      return;
    }
    Bootstrap b = new Bootstrap().group(loops.group()).channel(loops.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.dialTimeout().toMillis())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            channels.add(ch);
          }
        });
    InetSocketAddress from = fromListenPort ? listenSocketFor(to) : null;
    if (from != null) {
      b.option(ChannelOption.SO_REUSEADDR, true)
          .option(NioChannelOption.of(java.net.StandardSocketOptions.SO_REUSEPORT), true);
    }
    ChannelFuture f = from != null ? b.connect(to, from) : b.connect(to);
    f.channel().closeFuture().addListener(x -> connections.channelClosed());
    f.addListener(x -> {
      if (!x.isSuccess()) {
        result.completeExceptionally(new TransportException("libp2p: cannot connect to " + addr + ": "
            + x.cause().getMessage(), x.cause()));
        return;
      }
      // the upgrade starts once TCP is connected, so a refused connect reports itself, not a failed upgrade
      if (from != null || !initiator) {
        LOG.debug("[{}] libp2p: punch TCP {} -> {} connected; upgrading as {}", f.channel().id(),
            f.channel().localAddress(), to, initiator ? "dialer" : "listener");
      }
      CompletableFuture<Connection> upgraded = upgrader.install(f.channel(), initiator, expected);
      if (from != null || !initiator) {
        resetUnless(f.channel(), upgraded);
      }
      upgraded.whenComplete((c, e) -> {
        if (e == null && expected != null && !c.remotePeer().equals(expected)) {
          c.channel().close(); // as a responder, Noise did not check whom we reached
          e = new TransportException("reached " + c.remotePeer() + ", not " + expected);
        }
        if (e != null) {
          result.completeExceptionally(new TransportException("libp2p: cannot connect to " + addr + ": "
              + unwrap(e).getMessage(), unwrap(e)));
        } else {
          result.complete(c);
        }
      });
    });
  }

  /** A listening socket's address of the same family as {@code to}, or null. */
  private InetSocketAddress listenSocketFor(InetSocketAddress to) {
    for (Channel s : servers) {
      InetSocketAddress local = (InetSocketAddress) s.localAddress();
      if (local != null && (local.getAddress() instanceof Inet6Address) == (to.getAddress() instanceof Inet6Address)) {
        return local;
      }
    }
    return null;
  }

  /** A hole punch we expect to arrive at our listener: the upgrade takes the dialer's roles (see {@link #expectPunch}). */
  private record Punch(PeerId peer, CompletableFuture<Connection> result) {
  }

  /** How long a hole-punch TCP connection may take to upgrade before it is reset (freeing its ports for a retry). */
  static final java.time.Duration PUNCH_UPGRADE = java.time.Duration.ofSeconds(2);

  /** Resets {@code ch} (RST, no TIME_WAIT holding the 4-tuple) unless {@code done} completed within {@link #PUNCH_UPGRADE}. */
  private static void resetUnless(Channel ch, CompletableFuture<?> done) {
    ch.eventLoop().schedule(() -> {
      if (!done.isDone() && ch.isOpen()) {
        LOG.debug("[{}] libp2p: hole punch connection did not upgrade in time; resetting it", ch.id());
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
        ch.close();
      }
    }, PUNCH_UPGRADE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private final java.util.concurrent.ConcurrentMap<InetSocketAddress, Punch> punches =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * For the next {@code window}, a TCP connection that reaches our listener from one of {@code from}
   * (IP addresses only) is the peer's hole punch: we are the DCUtR initiator, so on it we take the
   * dialer's roles (multistream dialer, Noise initiator expecting {@code peer}), as we would had our
   * own dial made the TCP connection. Completes with that connection, or fails if none came.
   */
  public CompletableFuture<Connection> expectPunch(List<Multiaddr> from, PeerId peer, java.time.Duration window) {
    Punch p = new Punch(peer, new CompletableFuture<>());
    List<InetSocketAddress> keys = new ArrayList<>();
    for (Multiaddr m : from) {
      List<Multiaddr.Component> c = m.withoutPeerId().components();
      if (dialable(m) && (c.get(0).protocol() == Protocol.IP4 || c.get(0).protocol() == Protocol.IP6)) {
        InetSocketAddress a = socketAddress(m);
        keys.add(a);
        punches.put(a, p);
      }
    }
    loops.group().next().schedule(() -> {
      keys.forEach(k -> punches.remove(k, p));
      p.result().completeExceptionally(new TransportException("libp2p: no hole punch from " + peer + " arrived"));
    }, window.toMillis(), TimeUnit.MILLISECONDS);
    p.result().whenComplete((c, e) -> keys.forEach(k -> punches.remove(k, p)));
    return p.result();
  }

  private void accepted(SocketChannel ch) {
    if (closed || !connections.tryOpenChannel()) {
      LOG.warn("[{}] libp2p: refusing connection from {}: {}", ch.id(), ch.remoteAddress(),
          closed ? "stopping" : "connection limit reached (" + connections.maxConnections() + " open)");
      ch.close();
      return;
    }
    channels.add(ch);
    ch.closeFuture().addListener(x -> connections.channelClosed());
    Punch punch = punches.remove(ch.remoteAddress());
    if (punch != null && !punch.result().isDone()) {
      LOG.debug("[{}] libp2p: hole punch from {} arrived at our listener; we dial on it", ch.id(), punch.peer());
      CompletableFuture<Connection> upgraded = upgrader.install(ch, true, punch.peer());
      upgraded.whenComplete((c, e) -> {
        if (e != null) {
          punch.result().completeExceptionally(e);
        } else {
          punch.result().complete(c);
        }
      });
      resetUnless(ch, upgraded);
      return;
    }
    upgrader.install(ch, false, null);
  }

  /** On the event loop, once Yamux is in place. */
  private Connection established(Channel ch, YamuxSession session, NoiseSession noise, boolean outbound) {
    Multiaddr circuit = ch.attr(CIRCUIT).get();
    Connection c = circuit != null
        ? new Connection(ch, session, noise.remotePeer(), noise.remoteKey(), outbound, circuit, true)
        : new Connection(ch, session, noise.remotePeer(), noise.remoteKey(), outbound,
            toMultiaddr((InetSocketAddress) ch.remoteAddress()));
    ch.attr(CONNECTION).set(c);
    if (circuit != null) {
      // the relay stream carrying this connection ended: the connection has, as a TCP one would at EOF
      ch.pipeline().addFirst("relayed-eof", new io.netty.channel.ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
          if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            LOG.debug("[{}] libp2p: the relay ended relayed connection {}", ctx.channel(), ctx.channel().attr(CONNECTION).get());
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
    for (ConnectionListener l : listeners) {
      try {
        l.connected(c);
      } catch (RuntimeException e) {
        LOG.warn("[{}] libp2p: connection listener failed: {}", ch.id(), e.toString(), e);
      }
    }
    return c;
  }

  /**
   * Runs the connection upgrade (multistream, Noise, Yamux) inside {@code stream}, a stream to or
   * from a relay that now carries a relayed connection; {@code circuit} is the address it stands for.
   */
  public CompletableFuture<Connection> upgradeRelayed(Libp2pStream stream, boolean outbound, PeerId expected,
      Multiaddr circuit) {
    CompletableFuture<Connection> result = new CompletableFuture<>();
    YamuxStreamChannel ch = stream.yamux();
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

  static boolean isCircuit(Multiaddr m) {
    return m.components().stream().anyMatch(c -> c.protocol() == Protocol.P2P_CIRCUIT);
  }

  /** Opens a stream to {@code peer} (connecting if needed) speaking {@code protocol}. */
  public CompletableFuture<Libp2pStream> newStream(PeerId peer, String protocol) {
    return connectionTo(peer).thenCompose(c -> newStream(c, protocol));
  }

  /**
   * Opens a stream on {@code c}, proposing {@code protocol} lazily (header, proposal and the stream's
   * SYN leave in one flush); completes once the peer confirmed the protocol, with auto-read off.
   */
  public CompletableFuture<Libp2pStream> newStream(Connection c, String protocol) {
    if (!c.isOpen()) {
      return failed("libp2p: connection " + c + " is closed");
    }
    if (c.session().streamCount() >= config.maxStreamsPerConnection()) {
      return failed("libp2p: stream limit reached on " + c + " (" + config.maxStreamsPerConnection() + " open)");
    }
    CompletableFuture<Libp2pStream> result = new CompletableFuture<>();
    AtomicReference<YamuxStreamChannel> channel = new AtomicReference<>();
    MultistreamHandler mss = MultistreamHandler.lazyDialer(protocol,
        (ctx, p) -> ctx.pipeline().addAfter(ctx.name(), StreamInbox.NAME, new StreamInbox()),
        config.negotiationTimeout());
    mss.result().whenComplete((p, e) -> {
      YamuxStreamChannel ch = channel.get();
      if (e != null) {
        result.completeExceptionally(new TransportException("libp2p: " + c.remotePeer() + " did not accept " + protocol
            + ": " + e.getMessage(), e));
        return;
      }
      ch.config().setAutoRead(false);
      if (!result.complete(new Libp2pStream(ch, peerRef(c.remotePeer()), protocol, c.relayed(), c))) {
        ch.reset();
      }
    });
    c.session().openStream(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        channel.set((YamuxStreamChannel) ch);
        ch.pipeline().addLast(MSS_STREAM, mss);
      }
    }).addListener(f -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(new TransportException("libp2p: cannot open a stream to " + c.remotePeer()
            + ": " + f.cause().getMessage(), f.cause()));
      }
    });
    return result;
  }

  /** Inbound streams: multistream-select against the protocols registered right now. */
  @ChannelHandler.Sharable
  private final class InboundStreams extends ChannelInitializer<Channel> {
    @Override
    protected void initChannel(Channel ch) {
      ch.pipeline().addLast(MSS_STREAM, MultistreamHandler.listener(protocols.protocols(),
          (ctx, p) -> inbound(ctx, (YamuxStreamChannel) ch, p), config.negotiationTimeout()));
    }
  }

  private void inbound(ChannelHandlerContext ctx, YamuxStreamChannel ch, String protocol) {
    StreamHandler handler = protocols.get(protocol);
    Connection c = ch.parent().attr(CONNECTION).get();
    if (handler == null || c == null) {
      LOG.debug("[{}] libp2p: no handler for {} any more; resetting the stream", ch, protocol);
      ch.reset();
      return;
    }
    ch.config().setAutoRead(false);
    ctx.pipeline().addAfter(ctx.name(), StreamInbox.NAME, new StreamInbox());
    try {
      handler.handle(new Libp2pStream(ch, peerRef(c.remotePeer()), protocol, c.relayed(), c));
    } catch (Exception | LinkageError e) {
      LOG.warn("[{}] libp2p: the {} handler failed on a stream from {}: {}; resetting the stream", ch, protocol,
          c.remotePeer(), e.toString(), e);
      ch.reset();
    }
  }

  static PeerRef peerRef(PeerId peer) {
    return new PeerRef(TRANSPORT_NAME, peer.toString());
  }

  /**
   * Stops listening, tells peers we are going away and closes every connection of this host; the
   * shared event loops go on (they belong to the node).
   */
  @Override
  public void close() {
    closed = true;
    for (Channel s : servers) {
      s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    for (Connection c : connections.all()) {
      if (c.isOpen()) {
        c.session().goAway(YamuxFrame.GO_AWAY_NORMAL);
      }
    }
    channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    resolver.shutdownNow();
  }

  // ---- addresses ----

  static boolean dialable(Multiaddr m) {
    List<Multiaddr.Component> c = m.withoutPeerId().components();
    if (c.size() != 2 || c.get(1).protocol() != Protocol.TCP) {
      return false;
    }
    Protocol p = c.get(0).protocol();
    return p == Protocol.IP4 || p == Protocol.IP6 || p == Protocol.DNS || p == Protocol.DNS4 || p == Protocol.DNS6;
  }

  static InetSocketAddress socketAddress(Multiaddr m) {
    List<Multiaddr.Component> c = m.withoutPeerId().components();
    int port = Integer.parseInt(c.get(1).valueText());
    String host = c.get(0).valueText();
    return switch (c.get(0).protocol()) {
      case IP4, IP6 -> new InetSocketAddress(ipLiteral(c.get(0).value()), port);
      default -> InetSocketAddress.createUnresolved(host, port);
    };
  }

  private static InetAddress ipLiteral(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("bad IP address", e);
    }
  }

  public static Multiaddr toMultiaddr(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    String proto = ip instanceof Inet6Address ? "ip6" : "ip4";
    String text = ip.getHostAddress();
    int zone = text.indexOf('%');
    if (zone >= 0) {
      text = text.substring(0, zone);
    }
    return Multiaddr.fromString("/" + proto + "/" + text + "/tcp/" + a.getPort());
  }

  private static List<Multiaddr> expand(InetSocketAddress local) {
    if (!local.getAddress().isAnyLocalAddress()) {
      return List.of(toMultiaddr(local));
    }
    List<Multiaddr> out = new ArrayList<>();
    boolean v6 = local.getAddress() instanceof Inet6Address;
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp()) {
          continue;
        }
        for (InetAddress ip : Collections.list(ni.getInetAddresses())) {
          if ((ip instanceof Inet6Address) == v6 && !ip.isLinkLocalAddress()) {
            out.add(toMultiaddr(new InetSocketAddress(ip, local.getPort())));
          }
        }
      }
    } catch (SocketException e) {
      LOG.debug("libp2p: cannot list network interfaces: {}", e.toString());
    }
    return out.isEmpty() ? List.of(toMultiaddr(local)) : out;
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  static <T> CompletableFuture<T> failed(String message) {
    return CompletableFuture.failedFuture(new TransportException(message));
  }
}
