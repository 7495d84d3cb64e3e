package io.warren.libp2p.internal.relay;

import io.netty.buffer.Unpooled;
import io.warren.api.PeerId;
import io.warren.api.Stream;
import io.warren.api.TransportException;
import io.warren.api.channel.Splice;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.libp2p.internal.host.ReadDelimited;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's side of circuit relay v2 ({@value CircuitRelay#HOP}; go-libp2p's relay service):
 * grants reservations (valid while the peer stays connected, up to
 * {@link CircuitRelay.Limits#reservationTtl}), and for a CONNECT to a peer holding one opens
 * {@value CircuitRelay#STOP} to it and joins the two streams with the one {@link Splice}, within
 * the advertised limits (duration, bytes per direction), counting circuits against
 * {@link CircuitRelay.Limits#maxCircuits}. No relay chains: a relayed connection can neither
 * reserve nor connect.
 *
 * <p>Who may use it: with {@code hopEnabled} anyone, within the limits; with {@code hopMembers},
 * trusted peers even when {@code hopEnabled} is off, and a circuit between two trusted peers
 * carries no data or duration limit (reservation and circuit counts still apply: they bound the
 * relay's memory). Everyone else is refused with PERMISSION_DENIED.
 */
final class RelayService {
  private static final Logger LOG = LoggerFactory.getLogger(RelayService.class);

  private final Host host;
  private final CircuitRelay.Limits limits;
  private final boolean hopEnabled;
  private final boolean hopMembers;
  private final Predicate<PeerId> trusted;
  private final Map<PeerId, Instant> reservations = new ConcurrentHashMap<>();
  private final AtomicInteger circuits = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong circuitsOpened = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong reservationsRefused =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong circuitsRefused = new java.util.concurrent.atomic.AtomicLong();

  RelayService(Host host, CircuitRelay.Limits limits, boolean hopEnabled, boolean hopMembers,
      Predicate<PeerId> trusted) {
    this.host = host;
    this.limits = limits;
    this.hopEnabled = hopEnabled;
    this.hopMembers = hopMembers;
    this.trusted = trusted;
  }

  /** Circuits open now. */
  int circuits() {
    return circuits.get();
  }

  /** Reservations held now (not expired). */
  int reservations() {
    Instant now = Instant.now();
    return (int) reservations.values().stream().filter(until -> until.isAfter(now)).count();
  }

  /** Circuits opened since start. */
  long circuitsOpened() {
    return circuitsOpened.get();
  }

  /** Reservations refused because {@code relay_max_reservations} were held. */
  long reservationsRefused() {
    return reservationsRefused.get();
  }

  /** Circuits refused because {@code relay_max_circuits} were open. */
  long circuitsRefused() {
    return circuitsRefused.get();
  }

  private boolean isTrusted(PeerId peer) {
    if (!hopMembers) {
      return false;
    }
    try {
      return trusted.test(peer);
    } catch (RuntimeException e) {
      LOG.warn("relay: asking whether {} is trusted failed: {}; treating it as not trusted", peer, e.toString());
      return false;
    }
  }

  /** The {@value CircuitRelay#HOP} handler. */
  void onHop(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    ReadDelimited.read(s.channel(), RelayMessage.MAX_LENGTH, "relay hop").whenComplete((bytes, e) -> {
      if (e != null) {
        LOG.debug("[{}] relay: hop from {} failed: {}", s.channel(), s.connection().remotePeer(), e.toString());
        s.reset();
        return;
      }
      RelayMessage m;
      try {
        m = RelayMessage.decode(true, bytes);
      } catch (IllegalArgumentException x) {
        LOG.warn("[{}] relay: malformed hop message from {}: {}", s.channel(), s.connection().remotePeer(),
            x.getMessage());
        CircuitRelay.replyAndClose(s, RelayMessage.hopStatus(RelayMessage.MALFORMED_MESSAGE, null, null));
        return;
      }
      switch (m.type()) {
        case RelayMessage.HOP_RESERVE -> reserveFor(s);
        case RelayMessage.HOP_CONNECT -> connectFor(s, m);
        default -> CircuitRelay.replyAndClose(s, RelayMessage.hopStatus(RelayMessage.UNEXPECTED_MESSAGE, null, null));
      }
    });
  }

  private void reserveFor(Libp2pStream s) {
    PeerId peer = s.connection().remotePeer();
    if (s.connection().relayed()) {
      CircuitRelay.replyAndClose(s, RelayMessage.hopStatus(RelayMessage.PERMISSION_DENIED, null, null)); // no relay chains
      return;
    }
    boolean member = isTrusted(peer);
    if (!hopEnabled && !member) {
      LOG.debug("relay: reservation from {} refused: hop is for trusted peers only", peer);
      CircuitRelay.replyAndClose(s, RelayMessage.hopStatus(RelayMessage.PERMISSION_DENIED, null, null));
      return;
    }
    reservations.entrySet().removeIf(en -> en.getValue().isBefore(Instant.now()) || host.connections().stream()
        .noneMatch(c -> c.remotePeer().equals(en.getKey()) && !c.relayed()));
    if (!reservations.containsKey(peer) && reservations.size() >= limits.maxReservations()) {
      reservationsRefused.incrementAndGet();
      CircuitRelay.replyAndClose(s, RelayMessage.hopStatus(RelayMessage.RESERVATION_REFUSED, null, null));
      return;
    }
    Instant expires = Instant.now().plus(limits.reservationTtl());
    reservations.put(peer, expires);
    List<byte[]> addrs = new ArrayList<>();
    host.listenAddresses().forEach(a -> addrs.add(a.withPeerId(host.peerId()).toBytes()));
    LOG.debug("relay: reservation for {} until {}{}", peer, expires, member ? " (trusted: no circuit limits)" : "");
    CircuitRelay.replyAndClose(s, RelayMessage.hopStatus(RelayMessage.OK,
        new RelayMessage.Reservation(expires.getEpochSecond(), addrs, null), member ? null : limit()));
  }

  private RelayMessage.Limit limit() {
    return new RelayMessage.Limit(limits.circuitDuration().toSeconds(), limits.circuitBytes());
  }

  private void connectFor(Libp2pStream src, RelayMessage m) {
    PeerId from = src.connection().remotePeer();
    PeerId target;
    try {
      target = PeerId.fromBytes(m.peerId() == null ? new byte[0] : m.peerId());
    } catch (IllegalArgumentException e) {
      CircuitRelay.replyAndClose(src, RelayMessage.hopStatus(RelayMessage.MALFORMED_MESSAGE, null, null));
      return;
    }
    boolean unlimited = isTrusted(from) && isTrusted(target);
    if (!hopEnabled && !unlimited) {
      LOG.debug("relay: circuit {} -> {} refused: hop is for trusted peers only", from, target);
      CircuitRelay.replyAndClose(src, RelayMessage.hopStatus(RelayMessage.PERMISSION_DENIED, null, null));
      return;
    }
    RelayMessage.Limit limit = unlimited ? null : limit();
    Instant until = reservations.get(target);
    Connection toTarget = host.connections().stream()
        .filter(c -> c.remotePeer().equals(target) && !c.relayed() && c.isOpen()).findFirst().orElse(null);
    if (until == null || until.isBefore(Instant.now()) || toTarget == null) {
      CircuitRelay.replyAndClose(src, RelayMessage.hopStatus(RelayMessage.NO_RESERVATION, null, null));
      return;
    }
    if (src.connection().relayed() || circuits.incrementAndGet() > limits.maxCircuits()) {
      if (!src.connection().relayed()) {
        circuits.decrementAndGet();
        circuitsRefused.incrementAndGet();
      }
      CircuitRelay.replyAndClose(src, RelayMessage.hopStatus(RelayMessage.RESOURCE_LIMIT_EXCEEDED, null, null));
      return;
    }
    circuitsOpened.incrementAndGet();
    host.newStream(toTarget, CircuitRelay.STOP).thenCompose(dst -> {
      dst.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.stopConnect(from.toBytes(), limit)
          .encodeDelimited()));
      return ReadDelimited.read(dst.channel(), RelayMessage.MAX_LENGTH, "relay stop").thenApply(bytes -> {
        RelayMessage answer = RelayMessage.decode(false, bytes);
        if (answer.type() != RelayMessage.STOP_STATUS || answer.status() == null
            || answer.status() != RelayMessage.OK) {
          dst.reset();
          throw new TransportException("relay: " + target + " refused the circuit: "
              + RelayMessage.statusName(answer.status()));
        }
        return dst;
      });
    }).whenComplete((dst, e) -> {
      if (e != null) {
        circuits.decrementAndGet();
        LOG.debug("relay: circuit {} -> {} failed: {}", from, target, e.toString());
        CircuitRelay.replyAndClose(src, RelayMessage.hopStatus(RelayMessage.CONNECTION_FAILED, null, null));
        return;
      }
      src.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.hopStatus(RelayMessage.OK, null, limit)
          .encodeDelimited()));
      LOG.debug("relay: circuit {} -> {} open{}", from, target, unlimited ? " (trusted peers: no limits)" : "");
      splice(src, dst, unlimited);
    });
  }

  /**
   * Joins the two streams of a circuit with the one {@link Splice}: the byte and time limits are
   * the circuit's (none between trusted peers), and the circuit count drops when it ended. A
   * circuit that did not end with both sides half-closed is reset both ways, so both peers see
   * their relayed connection cut rather than finished.
   */
  private void splice(Libp2pStream src, Libp2pStream dst, boolean unlimited) {
    Splice splice = Splice.between(src.channel(), dst.channel())
        .maxBytesPerDirection(unlimited ? 0 : limits.circuitBytes())
        .maxDuration(unlimited ? Duration.ZERO : limits.circuitDuration())
        .start();
    // a circuit cut short (a limit, a reset, a lost connection) reaches both ends as a reset: the splice passes it on
    splice.ended().whenComplete((end, e) -> {
      circuits.decrementAndGet();
      LOG.debug("relay: circuit {} <-> {} ended: {}", src.channel(), dst.channel(), end);
    });
  }
}
