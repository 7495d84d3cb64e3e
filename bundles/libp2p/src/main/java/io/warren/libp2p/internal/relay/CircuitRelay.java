package io.warren.libp2p.internal.relay;

import io.netty.buffer.Unpooled;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Circuit relay v2 (libp2p/specs relay/circuit-v2.md), both roles, each in its own class:
 * <ul>
 * <li>relay ({@value #HOP}, {@link RelayService}): grants reservations (valid while the peer stays connected, up to
 *     {@link Limits#reservationTtl}), and for a CONNECT to a peer holding one opens {@value #STOP} to it
 *     and splices the two streams (the api {@code Splice}) within the advertised limits (duration, bytes
 *     per direction), counting circuits against {@link Limits#maxCircuits};</li>
 * <li>client ({@link RelayClient}): {@link #reserve} with a relay; accepts {@value #STOP} only from relays it reserved
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
      long limitBytes) {}

  private final Host host;
  private final RelayService service;
  private final RelayClient client;

  public CircuitRelay(Host host, Limits limits, boolean hopEnabled) {
    this(host, limits, hopEnabled, false, p -> false);
  }

  /** {@code trusted} is asked on the event loop, for each reservation and circuit. */
  public CircuitRelay(Host host, Limits limits, boolean hopEnabled, boolean hopMembers, Predicate<PeerId> trusted) {
    this.host = host;
    this.service = hopEnabled || hopMembers ? new RelayService(host, limits, hopEnabled, hopMembers, trusted) : null;
    this.client = new RelayClient(host);
  }

  /** What the relay this node serves is carrying, if it serves {@value #HOP}. */
  public record HopFigures(int reservations, int circuits, long circuitsOpened, long reservationsRefused,
      long circuitsRefused) {}

  /** The served relay's figures now (all zero when this node serves no relay). */
  public HopFigures hopFigures() {
    return service == null ? new HopFigures(0, 0, 0, 0, 0)
        : new HopFigures(service.reservations(), service.circuits(), service.circuitsOpened(),
            service.reservationsRefused(), service.circuitsRefused());
  }

  /** Whether this node serves {@value #HOP} at all (to anyone, or to trusted peers only). */
  public boolean hopServed() {
    return service != null;
  }

  /** Registers the hop (if served) and stop handlers and the host's circuit dialer. */
  public void install() {
    if (service != null) {
      host.protocols().add(HOP, service::onHop);
    }
    host.protocols().add(STOP, client::onStop);
    host.setCircuitDialer(client::dial);
  }

  /** Reserves a slot at the relay on {@code relay} (an open connection); its circuit addresses come back. */
  public CompletableFuture<Reservation> reserve(Connection relay) {
    return client.reserve(relay);
  }

  /** Answers {@code m} on {@code s} and half-closes; reading on takes the peer's FIN so the stream closes. */
  static void replyAndClose(Libp2pStream s, RelayMessage m) {
    s.channel().writeAndFlush(Unpooled.wrappedBuffer(m.encodeDelimited()));
    s.closeWrite();
    s.channel().read();
  }
}
