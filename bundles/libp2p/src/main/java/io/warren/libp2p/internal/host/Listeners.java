package io.warren.libp2p.internal.host;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.warren.api.PeerId;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's TCP listeners: binds the configured addresses, takes slots of the
 * {@link ResourceScopes} for each accepted connection (system, its address, transient until the
 * upgrade completes; refused with a reset when one is full) and hands it to the {@link Upgrader}
 * as the listener's side, or, when it is a hole punch we expect ({@link HolePunches}), as the
 * dialer's side.
 */
final class Listeners {
  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  private final EventLoops loops;
  private final List<Multiaddr> configured;
  private final ConnectionManager connections;
  private final ChannelGroup channels;
  private final Upgrader upgrader;
  private final HolePunches punches;
  private final List<Channel> servers = new CopyOnWriteArrayList<>();
  private volatile List<Multiaddr> listenAddresses = List.of();
  private volatile boolean closed;
  private final RefusalLog refusalLog = new RefusalLog();

  Listeners(EventLoops loops, List<Multiaddr> configured, ConnectionManager connections, ChannelGroup channels,
      Upgrader upgrader, HolePunches punches) {
    this.loops = loops;
    this.configured = configured;
    this.connections = connections;
    this.channels = channels;
    this.upgrader = upgrader;
    this.punches = punches;
  }

  /** Binds every configured listen address; throws if one cannot be bound (the caller closes what was). */
  void start(PeerId self) {
    List<Multiaddr> bound = new ArrayList<>();
    for (Multiaddr m : configured) {
      InetSocketAddress at = TcpAddresses.socketAddress(m);
      if (at.getPort() != 0 && !bindable(at)) {
        // SO_REUSEPORT below would share it with that process: a second node from one installation
        throw new TransportException("libp2p: cannot listen on " + m + ": port " + at.getPort()
            + " is in use by another process (another node? give this one --p2p-port N, or 0 for a free port)");
      }
      // SO_REUSEPORT lets a hole-punching dial leave from this port (see Dialer) while we listen on it
      ChannelFuture f = loops.reusePort(loops.serverBootstrap())
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.RCVBUF_ALLOCATOR, EventLoops.BULK_READS)
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
      bound.addAll(TcpAddresses.expand((InetSocketAddress) f.channel().localAddress()));
    }
    listenAddresses = List.copyOf(bound);
    for (Multiaddr m : listenAddresses) {
      LOG.info("libp2p listening on {}/p2p/{}", m, self);
    }
  }

  /** Whether a socket without SO_REUSEPORT can bind {@code at}: no other process listens there. */
  private static boolean bindable(InetSocketAddress at) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.setReuseAddress(true); // over TIME_WAIT left by our own last run, never over a listener
      s.bind(at);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Where this host can be dialled (wildcard binds expanded to the interfaces' addresses), without /p2p. */
  List<Multiaddr> listenAddresses() {
    return listenAddresses;
  }

  /** The TCP port of each listener, in the order of the configured listen addresses. */
  List<Integer> boundPorts() {
    return servers.stream().map(c -> ((InetSocketAddress) c.localAddress()).getPort()).toList();
  }

  /** The bound address of each listener, in the order of the configured listen addresses. */
  List<InetSocketAddress> boundAddresses() {
    return servers.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
  }

  /** A listening socket's address of the same family as {@code to}, or null. */
  InetSocketAddress socketFor(InetSocketAddress to) {
    for (Channel s : servers) {
      InetSocketAddress local = (InetSocketAddress) s.localAddress();
      if (local != null && (local.getAddress() instanceof Inet6Address) == (to.getAddress() instanceof Inet6Address)) {
        return local;
      }
    }
    return null;
  }

  private void accepted(SocketChannel ch) {
    String[] why = new String[1];
    ResourceScopes.Slot slot = closed ? null : connections.scopes().acceptInbound(ch.remoteAddress().getAddress(), why);
    if (slot == null) {
      // a flood would log a line per socket: the first refusal of a burst at INFO, the rest at debug
      if (!closed && refusalLog.tryAcquire()) {
        LOG.info("[{}] libp2p: refusing connection from {}: {}", ch.id(), ch.remoteAddress(), why[0]);
      } else {
        LOG.debug("[{}] libp2p: refusing connection from {}: {}", ch.id(), ch.remoteAddress(),
            closed ? "stopping" : why[0]);
      }
      ch.config().setOption(ChannelOption.SO_LINGER, 0); // RST: no TIME_WAIT left behind by a flood
      ch.close();
      return;
    }
    channels.add(ch);
    ch.closeFuture().addListener(x -> slot.close());
    HolePunches.Punch punch = punches.claim(ch.remoteAddress());
    if (punch != null) {
      LOG.debug("[{}] libp2p: hole punch from {} arrived at our listener; we dial on it", ch.id(), punch.peer());
      CompletableFuture<Connection> upgraded = upgrader.install(ch, true, punch.peer());
      upgraded.whenComplete((c, e) -> {
        if (c != null) {
          slot.established();
        }
        if (e != null) {
          punch.result().completeExceptionally(e);
        } else {
          punch.result().complete(c);
        }
      });
      HolePunches.resetUnless(ch, upgraded);
      return;
    }
    upgrader.install(ch, false, null).whenComplete((c, e) -> {
      if (c != null) {
        slot.established();
      }
    });
  }

  /** Stops accepting and closes the listening sockets. */
  void close() {
    closed = true;
    for (Channel s : servers) {
      s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
  }

  /** At most one INFO line about refused connections every 10 s. */
  private static final class RefusalLog {
    private final AtomicLong next = new AtomicLong(System.nanoTime());

    boolean tryAcquire() {
      long now = System.nanoTime();
      long n = next.get();
      return now - n >= 0 && next.compareAndSet(n, now + TimeUnit.SECONDS.toNanos(10));
    }
  }
}
