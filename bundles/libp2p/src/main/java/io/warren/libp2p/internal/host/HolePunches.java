package io.warren.libp2p.internal.host;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.warren.api.PeerId;
import io.warren.api.TransportException;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's side of DCUtR hole punching: punches we expect to arrive at our TCP listener (see
 * {@link #expect}) or QUIC listener ({@link #expectQuic}), and the reset of a punch connection that does not upgrade in time.
 */
final class HolePunches {
  /**
   * How long a hole-punch TCP connection may take to upgrade (multistream and TLS or Noise, a few round
   * trips) before it is reset, freeing its ports for a retry. 2 s was too short on a loaded machine.
   */
  static final Duration PUNCH_UPGRADE = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(HolePunches.class);

  /** A hole punch we expect to arrive at our listener: the upgrade takes the dialer's roles. */
  record Punch(PeerId peer, CompletableFuture<Connection> result) {}

  private final EventLoopGroup group;
  private final ConcurrentMap<InetSocketAddress, Punch> punches = new ConcurrentHashMap<>();
  private final ConcurrentMap<PeerId, CompletableFuture<Connection>> quicPunches = new ConcurrentHashMap<>();

  HolePunches(EventLoopGroup group) {
    this.group = group;
  }

  /**
   * For the next {@code window}, a TCP connection that reaches our listener from one of {@code from}
   * (IP addresses only) is the peer's hole punch: we are the DCUtR initiator, so on it we take the
   * dialer's roles (multistream dialer, TLS client or Noise initiator expecting {@code peer}), as we would had our
   * own dial made the TCP connection. Completes with that connection, or fails if none came.
   */
  CompletableFuture<Connection> expect(List<Multiaddr> from, PeerId peer, Duration window) {
    Punch p = new Punch(peer, new CompletableFuture<>());
    List<InetSocketAddress> keys = new ArrayList<>();
    for (Multiaddr m : from) {
      List<Multiaddr.Component> c = m.withoutPeerId().components();
      if (TcpAddresses.dialable(m) && (c.get(0).protocol() == Protocol.IP4 || c.get(0).protocol() == Protocol.IP6)) {
        InetSocketAddress a = TcpAddresses.socketAddress(m);
        keys.add(a);
        punches.put(a, p);
      }
    }
    group.next().schedule(() -> {
      keys.forEach(k -> punches.remove(k, p));
      p.result().completeExceptionally(new TransportException("libp2p: no hole punch from " + peer + " arrived"));
    }, window.toMillis(), TimeUnit.MILLISECONDS);
    p.result().whenComplete((c, e) -> keys.forEach(k -> punches.remove(k, p)));
    return p.result();
  }

  /**
   * For the next {@code window}, a QUIC connection from {@code peer} that reaches our listener is
   * its hole punch (QUIC's roles come with the handshake: nothing to change on it). Completes with
   * that connection ({@link #quicArrived}), or fails if none came. One expectation per peer: a
   * newer one replaces an older one, which fails.
   */
  CompletableFuture<Connection> expectQuic(PeerId peer, Duration window) {
    CompletableFuture<Connection> p = new CompletableFuture<>();
    CompletableFuture<Connection> old = quicPunches.put(peer, p);
    if (old != null) {
      old.completeExceptionally(new TransportException("libp2p: a newer hole punch from " + peer + " is expected"));
    }
    group.next().schedule(() -> p.completeExceptionally(new TransportException("libp2p: no QUIC hole punch from "
        + peer + " arrived")), window.toMillis(), TimeUnit.MILLISECONDS);
    p.whenComplete((c, e) -> quicPunches.remove(peer, p));
    return p;
  }

  /** An inbound QUIC connection registered: the punch expected from its peer, if one is. */
  void quicArrived(Connection c) {
    CompletableFuture<Connection> p = quicPunches.get(c.remotePeer());
    if (p != null && p.complete(c)) {
      LOG.debug("libp2p: QUIC hole punch from {} arrived at our listener", c.remotePeer());
    }
  }

  /** The punch expected from {@code remote}, taken out of the table, or null. */
  Punch claim(Object remote) {
    Punch p = punches.remove(remote);
    return p != null && !p.result().isDone() ? p : null;
  }

  /** Resets {@code ch} (RST, no TIME_WAIT holding the 4-tuple) unless {@code done} completed within {@link #PUNCH_UPGRADE}. */
  static void resetUnless(Channel ch, CompletableFuture<?> done) {
    ch.eventLoop().schedule(() -> {
      if (!done.isDone() && ch.isOpen()) {
        LOG.debug("[{}] libp2p: hole punch connection did not upgrade in time; resetting it", ch.id());
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
        ch.close();
      }
    }, PUNCH_UPGRADE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
