package io.warren.libp2p.internal.host;

import static io.warren.libp2p.internal.host.Host.failed;
import static io.warren.libp2p.internal.host.Host.unwrap;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.warren.api.PeerId;
import io.warren.api.Threads;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbound connections (go-libp2p's swarm dialer): reuses an open connection to the peer, else
 * dials its known addresses in turn, direct ones by TCP or QUIC (DNS names looked up off the event loops)
 * and circuit ones through the relay client's {@link Host.CircuitDialer}; one dial per peer at a
 * time ({@link ConnectionManager#dialOnce}), every TCP connection counted against the limit.
 */
final class Dialer {
  private static final Logger LOG = LoggerFactory.getLogger(Dialer.class);

  private final PeerId self;
  private final EventLoops loops;
  private final HostConfig config;
  private final ConnectionManager connections;
  private final ChannelGroup channels;
  private final Upgrader upgrader;
  private final Listeners listeners;
  /** Null when QUIC is off or cannot run here. */
  private final QuicEndpoint quic;
  private final Supplier<Host.CircuitDialer> circuitDialer;
  /**
   * DNS lookups block; they run here, not on an event loop. Its threads are made on demand, also by
   * console commands that dial (see Threads).
   */
  private final ExecutorService resolver = new ThreadPoolExecutor(0, 2, 30, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), Threads.named("warren-libp2p-dns"));
  private volatile boolean closed;

  Dialer(PeerId self, EventLoops loops, HostConfig config, ConnectionManager connections, ChannelGroup channels,
      Upgrader upgrader, Listeners listeners, QuicEndpoint quic, Supplier<Host.CircuitDialer> circuitDialer) {
    this.self = self;
    this.loops = loops;
    this.config = config;
    this.connections = connections;
    this.channels = channels;
    this.upgrader = upgrader;
    this.listeners = listeners;
    this.quic = quic;
    this.circuitDialer = circuitDialer;
  }

  /** Connects to {@code addr}, reusing an open connection if it names a peer we are connected to. */
  CompletableFuture<Connection> connect(Multiaddr addr) {
    PeerId expected;
    try {
      expected = addr.peerId().orElse(null);
    } catch (IllegalArgumentException e) {
      return failed("libp2p: bad peer id in " + addr + ": " + e.getMessage());
    }
    Multiaddr transport = addr.withoutPeerId();
    if (TcpAddresses.isCircuit(addr)) {
      Host.CircuitDialer d = circuitDialer.get();
      if (expected == null || d == null) {
        return failed("libp2p: cannot dial " + addr
            + (d == null ? " (no relay client)" : " (expected .../p2p-circuit/p2p/<peer>)"));
      }
      if (expected.equals(self)) {
        return failed("libp2p: " + addr + " is this node");
      }
      connections.addAddress(expected, addr.withoutPeerId());
      return connections.get(expected).map(CompletableFuture::completedFuture)
          .orElseGet(() -> connections.dialOnce(expected, () -> d.dial(addr, expected)));
    }
    boolean overQuic = TcpAddresses.quic(transport);
    if (overQuic && quic == null) {
      return failed("libp2p: cannot dial " + addr + ": QUIC is "
          + (config.quic() ? "not available here" : "off (quic.enabled)"));
    }
    if (!TcpAddresses.dialable(transport) && !overQuic) {
      return failed("libp2p: cannot dial " + addr + " (expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port> or "
          + ".../udp/<port>/quic-v1, [/p2p/<id>])");
    }
    if (expected == null) {
      return dial(transport, null, true, false);
    }
    if (expected.equals(self)) {
      return failed("libp2p: " + addr + " is this node");
    }
    connections.addAddress(expected, transport);
    if (overQuic) { // asked for QUIC by its address: an open QUIC connection, else a new one even if TCP is open
      return connections.all().stream().filter(c -> c.remotePeer().equals(expected) && c.isOpen()
          && "quic".equals(c.transport())).findFirst().map(CompletableFuture::completedFuture)
          .orElseGet(() -> dial(transport, expected, true, false));
    }
    return connections.get(expected).map(CompletableFuture::completedFuture)
        .orElseGet(() -> connections.dialOnce(expected, () -> dial(transport, expected, true, false)));
  }

  /** An open connection to {@code peer}, or one dialled at the addresses known for it, in order. */
  CompletableFuture<Connection> connectionTo(PeerId peer) {
    var open = connections.get(peer);
    if (open.isPresent()) {
      return CompletableFuture.completedFuture(open.get());
    }
    if (peer.equals(self)) {
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
    if (TcpAddresses.isCircuit(a)) {
      Host.CircuitDialer d = circuitDialer.get();
      attempt = d == null ? failed("libp2p: no relay client for " + a)
          : d.dial(a.withPeerId(peer), peer);
    } else {
      attempt = dial(a, peer, true, false);
    }
    return attempt.handle((c, e) -> c != null ? CompletableFuture.completedFuture(c)
        : dialInTurn(addrs, i + 1, peer, unwrap(e))).thenCompose(f -> f);
  }

  /** See {@link Host#dialDirect}. */
  CompletableFuture<Connection> dialDirect(Multiaddr addr, PeerId expected, boolean initiator, boolean fromListenPort) {
    if (!TcpAddresses.dialable(addr.withoutPeerId()) && !(quic != null && TcpAddresses.quic(addr.withoutPeerId()))) {
      return failed("libp2p: cannot dial " + addr + " directly");
    }
    return dial(addr.withoutPeerId(), expected, initiator, fromListenPort);
  }

  private CompletableFuture<Connection> dial(Multiaddr addr, PeerId expected, boolean initiator,
      boolean fromListenPort) {
    if (closed) {
      return failed("libp2p: host is stopped");
    }
    ResourceScopes.Slot slot = connections.scopes().dialOutbound();
    if (slot == null) {
      return failed("libp2p: connection limit reached (" + connections.maxConnections() + " open, max.connections)");
    }
    CompletableFuture<Connection> result = new CompletableFuture<>();
    resolve(addr).whenComplete((to, e) -> {
      if (e != null) {
        slot.close();
        result.completeExceptionally(new TransportException("libp2p: cannot dial " + addr + ": "
            + unwrap(e).getMessage(), unwrap(e)));
      } else if (TcpAddresses.quic(addr)) {
        if (quic == null) {
          slot.close();
          result.completeExceptionally(new TransportException("libp2p: cannot dial " + addr + ": no QUIC here"));
        } else {
          quic.dial(addr, to, expected, slot, result, fromListenPort);
        }
      } else {
        connect(addr, to, expected, initiator, fromListenPort, slot, result);
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
      at = TcpAddresses.socketAddress(addr);
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
      boolean fromListenPort, ResourceScopes.Slot slot, CompletableFuture<Connection> result) {
    if (closed) {
      slot.close();
      result.completeExceptionally(new TransportException("libp2p: host is stopped"));
      return;
    }
    Bootstrap b = new Bootstrap().group(loops.group()).channel(loops.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.RCVBUF_ALLOCATOR, EventLoops.BULK_READS)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.dialTimeout().toMillis())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            channels.add(ch);
          }
        });
    InetSocketAddress from = fromListenPort ? listeners.socketFor(to) : null;
    if (from != null) {
      loops.reusePort(b.option(ChannelOption.SO_REUSEADDR, true));
    }
    ChannelFuture f = from != null ? b.connect(to, from) : b.connect(to);
    f.channel().closeFuture().addListener(x -> slot.close());
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
        HolePunches.resetUnless(f.channel(), upgraded);
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

  /** Refuses new dials and stops the resolver threads. */
  void close() {
    closed = true;
    resolver.shutdownNow();
  }
}
