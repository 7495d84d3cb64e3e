package io.warren.libp2p.internal.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.warren.api.Stream;
import io.warren.api.TransportException;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.libp2p.internal.host.ReadDelimited;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import io.warren.yamux.YamuxStreamChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Circuit relay v2 (libp2p/specs relay/circuit-v2.md), both roles:
 * <ul>
 * <li>relay ({@value #HOP}): grants reservations (valid while the peer stays connected, up to
 *     {@link Limits#reservationTtl}), and for a CONNECT to a peer holding one opens {@value #STOP} to it
 *     and splices the two streams, read-after-write, within the advertised limits (duration, bytes
 *     per direction), counting circuits against {@link Limits#maxCircuits};</li>
 * <li>client: {@link #reserve} with a relay; accepts {@value #STOP} only from relays it reserved
 *     with (fail closed), and dials {@code .../p2p/<relay>/p2p-circuit/p2p/<peer>}. Either way the
 *     relay's stream then carries a full connection upgrade (Noise authenticates the far peer end to end).</li>
 * </ul>
 * No reservation vouchers are issued (the spec makes them advisory).
 *
 * <p>Who may use the hop: with {@code hopEnabled} anyone, within {@link Limits}; with
 * {@code hopMembers}, trusted peers (see {@link io.warren.libp2p.TrustedPeers}) even when
 * {@code hopEnabled} is off, and a circuit between two trusted peers carries no data or duration
 * limit (reservation and circuit counts still apply: they bound the relay's memory). Everyone
 * else is refused with PERMISSION_DENIED.
 */
public final class CircuitRelay {
  public static final String HOP = "/libp2p/circuit/relay/0.2.0/hop";
  public static final String STOP = "/libp2p/circuit/relay/0.2.0/stop";

  private static final Logger LOG = LoggerFactory.getLogger(CircuitRelay.class);

  /** What the relay grants. */
  public record Limits(int maxReservations, int maxCircuits, Duration circuitDuration, long circuitBytes,
      Duration reservationTtl) {

    public Limits {
      if (maxReservations < 0 || maxCircuits < 0 || circuitBytes < 0 || circuitDuration.isNegative()) {
        throw new IllegalArgumentException("relay limits must not be negative");
      }
    }
  }

  /** A reservation this node holds at a relay. */
  public record Reservation(PeerId relay, Instant expires, List<Multiaddr> circuitAddrs, long limitSeconds,
      long limitBytes) {
  }

  private final Host host;
  private final Limits limits;
  private final boolean hopEnabled;
  private final boolean hopMembers;
  private final Predicate<PeerId> trusted;
  private final Map<PeerId, Instant> reservations = new ConcurrentHashMap<>();
  private final Set<PeerId> myRelays = ConcurrentHashMap.newKeySet();
  private final AtomicInteger circuits = new AtomicInteger();

  public CircuitRelay(Host host, Limits limits, boolean hopEnabled) {
    this(host, limits, hopEnabled, false, p -> false);
  }

  /** {@code trusted} is asked on the event loop, for each reservation and circuit. */
  public CircuitRelay(Host host, Limits limits, boolean hopEnabled, boolean hopMembers, Predicate<PeerId> trusted) {
    this.host = host;
    this.limits = limits;
    this.hopEnabled = hopEnabled;
    this.hopMembers = hopMembers;
    this.trusted = trusted;
  }

  /** Whether this node serves {@value #HOP} at all (to anyone, or to trusted peers only). */
  public boolean hopServed() {
    return hopEnabled || hopMembers;
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

  public void install() {
    if (hopServed()) {
      host.protocols().add(HOP, this::onHop);
    }
    host.protocols().add(STOP, this::onStop);
    host.setCircuitDialer(this::dial);
  }

  // ---- relay side ----

  private void onHop(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    ReadDelimited.read(s.channel(), RelayMessage.MAX_LENGTH, "relay hop").whenComplete((bytes, e) -> {
      if (e != null) {
        LOG.debug("[{}] relay: hop from {} failed: {}", s.channel(), s.connection().remotePeer(), e.toString());
        s.yamux().reset();
        return;
      }
      RelayMessage m;
      try {
        m = RelayMessage.decode(true, bytes);
      } catch (IllegalArgumentException x) {
        LOG.warn("[{}] relay: malformed hop message from {}: {}", s.channel(), s.connection().remotePeer(),
            x.getMessage());
        replyAndClose(s, RelayMessage.hopStatus(RelayMessage.MALFORMED_MESSAGE, null, null));
        return;
      }
      switch (m.type()) {
        case RelayMessage.HOP_RESERVE -> reserveFor(s);
        case RelayMessage.HOP_CONNECT -> connectFor(s, m);
        default -> replyAndClose(s, RelayMessage.hopStatus(RelayMessage.UNEXPECTED_MESSAGE, null, null));
      }
    });
  }

  private void reserveFor(Libp2pStream s) {
    PeerId peer = s.connection().remotePeer();
    if (s.connection().relayed()) {
      replyAndClose(s, RelayMessage.hopStatus(RelayMessage.PERMISSION_DENIED, null, null)); // no relay chains
      return;
    }
    boolean member = isTrusted(peer);
    if (!hopEnabled && !member) {
      LOG.debug("relay: reservation from {} refused: hop is for trusted peers only", peer);
      replyAndClose(s, RelayMessage.hopStatus(RelayMessage.PERMISSION_DENIED, null, null));
      return;
    }
    reservations.entrySet().removeIf(en -> en.getValue().isBefore(Instant.now()) || host.connections().stream()
        .noneMatch(c -> c.remotePeer().equals(en.getKey()) && !c.relayed()));
    if (!reservations.containsKey(peer) && reservations.size() >= limits.maxReservations()) {
      replyAndClose(s, RelayMessage.hopStatus(RelayMessage.RESERVATION_REFUSED, null, null));
      return;
    }
    Instant expires = Instant.now().plus(limits.reservationTtl());
    reservations.put(peer, expires);
    List<byte[]> addrs = new ArrayList<>();
    host.listenAddresses().forEach(a -> addrs.add(Multiaddr.fromString(a + "/p2p/" + host.peerId()).toBytes()));
    LOG.debug("relay: reservation for {} until {}{}", peer, expires, member ? " (trusted: no circuit limits)" : "");
    replyAndClose(s, RelayMessage.hopStatus(RelayMessage.OK,
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
      replyAndClose(src, RelayMessage.hopStatus(RelayMessage.MALFORMED_MESSAGE, null, null));
      return;
    }
    boolean unlimited = isTrusted(from) && isTrusted(target);
    if (!hopEnabled && !unlimited) {
      LOG.debug("relay: circuit {} -> {} refused: hop is for trusted peers only", from, target);
      replyAndClose(src, RelayMessage.hopStatus(RelayMessage.PERMISSION_DENIED, null, null));
      return;
    }
    RelayMessage.Limit limit = unlimited ? null : limit();
    Instant until = reservations.get(target);
    Connection toTarget = host.connections().stream()
        .filter(c -> c.remotePeer().equals(target) && !c.relayed() && c.isOpen()).findFirst().orElse(null);
    if (until == null || until.isBefore(Instant.now()) || toTarget == null) {
      replyAndClose(src, RelayMessage.hopStatus(RelayMessage.NO_RESERVATION, null, null));
      return;
    }
    if (src.connection().relayed() || circuits.incrementAndGet() > limits.maxCircuits()) {
      if (!src.connection().relayed()) {
        circuits.decrementAndGet();
      }
      replyAndClose(src, RelayMessage.hopStatus(RelayMessage.RESOURCE_LIMIT_EXCEEDED, null, null));
      return;
    }
    host.newStream(toTarget, STOP).thenCompose(dst -> {
      dst.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.stopConnect(from.toBytes(), limit)
          .encodeDelimited()));
      return ReadDelimited.read(dst.channel(), RelayMessage.MAX_LENGTH, "relay stop").thenApply(bytes -> {
        RelayMessage answer = RelayMessage.decode(false, bytes);
        if (answer.type() != RelayMessage.STOP_STATUS || answer.status() == null
            || answer.status() != RelayMessage.OK) {
          dst.yamux().reset();
          throw new TransportException("relay: " + target + " refused the circuit: "
              + RelayMessage.statusName(answer.status()));
        }
        return dst;
      });
    }).whenComplete((dst, e) -> {
      if (e != null) {
        circuits.decrementAndGet();
        LOG.debug("relay: circuit {} -> {} failed: {}", from, target, e.toString());
        replyAndClose(src, RelayMessage.hopStatus(RelayMessage.CONNECTION_FAILED, null, null));
        return;
      }
      src.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.hopStatus(RelayMessage.OK, null, limit)
          .encodeDelimited()));
      LOG.debug("relay: circuit {} -> {} open{}", from, target, unlimited ? " (trusted peers: no limits)" : "");
      splice(src.yamux(), dst.yamux(), unlimited ? 0 : limits.circuitBytes(),
          unlimited ? Duration.ZERO : limits.circuitDuration());
    });
  }

  /** Bridges two streams both ways within the limits; the circuit ends when both directions have. */
  private void splice(YamuxStreamChannel a, YamuxStreamChannel b, long maxBytes, Duration maxDuration) {
    AtomicInteger open = new AtomicInteger(2);
    Runnable ended = () -> {
      if (open.decrementAndGet() == 0) {
        circuits.decrementAndGet();
      }
    };
    a.eventLoop().execute(() -> a.pipeline().addLast("relay-splice", new Splice(b, maxBytes, ended)));
    b.eventLoop().execute(() -> b.pipeline().addLast("relay-splice", new Splice(a, maxBytes, ended)));
    if (!maxDuration.isZero()) {
      ScheduledFuture<?> timer = a.eventLoop().schedule(() -> {
        LOG.debug("relay: circuit {} <-> {} reached its {} s limit", a, b, maxDuration.toSeconds());
        a.reset();
        b.reset();
      }, maxDuration.toMillis(), TimeUnit.MILLISECONDS);
      a.closeFuture().addListener(f -> {
        if (!b.isOpen()) {
          timer.cancel(false);
        }
      });
      b.closeFuture().addListener(f -> {
        if (!a.isOpen()) {
          timer.cancel(false);
        }
      });
    }
  }

  /** One direction of a circuit: read from this stream, write to {@code out}, next read when written. */
  private static final class Splice extends ChannelInboundHandlerAdapter {
    private final YamuxStreamChannel out;
    private final long limit;
    private final Runnable ended;
    private long bytes;
    private boolean done;

    Splice(YamuxStreamChannel out, long limit, Runnable ended) {
      this.out = out;
      this.limit = limit;
      this.ended = ended;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      bytes += b.readableBytes();
      if (limit > 0 && bytes > limit) {
        b.release();
        LOG.debug("relay: circuit {} passed its {}-byte limit; resetting it", ctx.channel(), limit);
        ((YamuxStreamChannel) ctx.channel()).reset();
        out.reset();
        return;
      }
      out.writeAndFlush(b).addListener((ChannelFutureListener) f -> {
        if (f.isSuccess()) {
          ctx.read();
        } else {
          ((YamuxStreamChannel) ctx.channel()).reset();
        }
      });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent) {
        out.closeWrite();
        finish();
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (!done && !out.eventLoop().isShuttingDown()) {
        out.reset(); // this side was reset or its connection dropped: the circuit is gone
      }
      finish();
      super.channelInactive(ctx);
    }

    private void finish() {
      if (!done) {
        done = true;
        ended.run();
      }
    }
  }

  private static void replyAndClose(Libp2pStream s, RelayMessage m) {
    s.channel().writeAndFlush(Unpooled.wrappedBuffer(m.encodeDelimited()));
    s.yamux().closeWrite();
    s.channel().read(); // take the peer's FIN so the stream closes
  }

  // ---- client side ----

  /** Reserves a slot at the relay on {@code relay} (an open connection); its circuit addresses come back. */
  public CompletableFuture<Reservation> reserve(Connection relay) {
    return host.newStream(relay, HOP).thenCompose(s -> {
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.hop(RelayMessage.HOP_RESERVE).encodeDelimited()));
      s.yamux().closeWrite();
      return ReadDelimited.read(s.channel(), RelayMessage.MAX_LENGTH, "relay reservation");
    }).thenApply(bytes -> {
      RelayMessage m = RelayMessage.decode(true, bytes);
      if (m.type() != RelayMessage.HOP_STATUS || m.status() == null || m.status() != RelayMessage.OK
          || m.reservation() == null) {
        throw new TransportException("relay: " + relay.remotePeer() + " refused the reservation: "
            + RelayMessage.statusName(m.status()));
      }
      myRelays.add(relay.remotePeer());
      List<Multiaddr> circuitAddrs = new ArrayList<>();
      for (byte[] a : m.reservation().addrs()) {
        try {
          Multiaddr ma = Multiaddr.fromBytes(a);
          circuitAddrs.add(Multiaddr.fromString(ma + "/p2p-circuit/p2p/" + host.peerId()));
        } catch (IllegalArgumentException e) {
          LOG.debug("relay: {} sent an address we cannot parse", relay.remotePeer());
        }
      }
      RelayMessage.Limit l = m.limit() == null ? new RelayMessage.Limit(0, 0) : m.limit();
      return new Reservation(relay.remotePeer(), Instant.ofEpochSecond(m.reservation().expire()), circuitAddrs,
          l.durationSeconds(), l.dataBytes());
    });
  }

  private void onStop(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    PeerId relay = s.connection().remotePeer();
    ReadDelimited.read(s.channel(), RelayMessage.MAX_LENGTH, "relay stop").whenComplete((bytes, e) -> {
      if (e != null) {
        s.yamux().reset();
        return;
      }
      RelayMessage m;
      PeerId from;
      try {
        m = RelayMessage.decode(false, bytes);
        from = PeerId.fromBytes(m.peerId() == null ? new byte[0] : m.peerId());
      } catch (IllegalArgumentException x) {
        replyAndClose(s, RelayMessage.stopStatus(RelayMessage.MALFORMED_MESSAGE));
        return;
      }
      if (m.type() != RelayMessage.STOP_CONNECT) {
        replyAndClose(s, RelayMessage.stopStatus(RelayMessage.UNEXPECTED_MESSAGE));
        return;
      }
      if (!myRelays.contains(relay)) {
        LOG.warn("relay: {} offered a relayed connection from {} but we hold no reservation with it; refused",
            relay, from);
        replyAndClose(s, RelayMessage.stopStatus(RelayMessage.PERMISSION_DENIED));
        return;
      }
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.stopStatus(RelayMessage.OK).encodeDelimited()));
      Multiaddr circuit = circuitAddress(s.connection(), from).withoutPeerId();
      host.upgradeRelayed(s, false, null, circuit).whenComplete((c, x) -> {
        if (x != null) {
          LOG.debug("relay: relayed connection from {} via {} failed: {}", from, relay, x.toString());
        } else if (!c.remotePeer().equals(from)) {
          LOG.warn("relay: {} announced {} but Noise authenticated {}; closing", relay, from, c.remotePeer());
          c.channel().close();
        }
      });
    });
  }

  private CompletableFuture<Connection> dial(Multiaddr circuit, PeerId target) {
    List<Multiaddr.Component> parts = circuit.components();
    int at = -1;
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i).protocol() == Protocol.P2P_CIRCUIT) {
        at = i;
        break;
      }
    }
    if (at < 1 || parts.get(at - 1).protocol() != Protocol.P2P) {
      return CompletableFuture.failedFuture(new TransportException("relay: " + circuit
          + " does not name its relay (expected .../p2p/<relay>/p2p-circuit/p2p/<peer>)"));
    }
    Multiaddr relayAddr = Multiaddr.of(parts.subList(0, at));
    return host.connect(relayAddr).thenCompose(relay -> host.newStream(relay, HOP).thenCompose(s -> {
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.hopConnect(target.toBytes()).encodeDelimited()));
      return ReadDelimited.read(s.channel(), RelayMessage.MAX_LENGTH, "relay connect").thenCompose(bytes -> {
        RelayMessage m = RelayMessage.decode(true, bytes);
        if (m.type() != RelayMessage.HOP_STATUS || m.status() == null || m.status() != RelayMessage.OK) {
          s.yamux().reset();
          throw new TransportException("relay: " + relay.remotePeer() + " could not connect us to " + target + ": "
              + RelayMessage.statusName(m.status()));
        }
        return host.upgradeRelayed(s, true, target, circuitAddress(relay, target).withoutPeerId());
      });
    }));
  }

  private static Multiaddr circuitAddress(Connection relay, PeerId peer) {
    return Multiaddr.fromString(relay.remoteAddress() + "/p2p/" + relay.remotePeer() + "/p2p-circuit/p2p/" + peer);
  }
}
