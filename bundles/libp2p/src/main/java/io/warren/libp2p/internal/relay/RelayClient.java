package io.warren.libp2p.internal.relay;

import io.netty.buffer.Unpooled;
import io.warren.api.PeerId;
import io.warren.api.Stream;
import io.warren.api.TransportException;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.libp2p.internal.host.ReadDelimited;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of circuit relay v2 (go-libp2p's relay client): {@link #reserve} a slot at a
 * relay, {@link #dial} a peer through a relay ({@code .../p2p/<relay>/p2p-circuit/p2p/<peer>}), and
 * answer {@value CircuitRelay#STOP} only from relays we reserved with (fail closed). Either way the
 * relay's stream then carries a full connection upgrade: Noise authenticates the far peer end to
 * end, whatever the relay announced.
 */
final class RelayClient {
  private static final Logger LOG = LoggerFactory.getLogger(RelayClient.class);

  private final Host host;
  private final Set<PeerId> myRelays = ConcurrentHashMap.newKeySet();

  RelayClient(Host host) {
    this.host = host;
  }

  /** Reserves a slot at the relay on {@code relay} (an open connection); its circuit addresses come back. */
  CompletableFuture<CircuitRelay.Reservation> reserve(Connection relay) {
    return host.newStream(relay, CircuitRelay.HOP).thenCompose(s -> {
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.hop(RelayMessage.HOP_RESERVE).encodeDelimited()));
      s.closeWrite();
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
          circuitAddrs.add(ma.circuitTo(host.peerId()));
        } catch (IllegalArgumentException e) {
          LOG.debug("relay: {} sent an address we cannot parse", relay.remotePeer());
        }
      }
      RelayMessage.Limit l = m.limit() == null ? new RelayMessage.Limit(0, 0) : m.limit();
      return new CircuitRelay.Reservation(relay.remotePeer(), Instant.ofEpochSecond(m.reservation().expire()),
          circuitAddrs,
          l.durationSeconds(), l.dataBytes());
    });
  }

  /** The {@value CircuitRelay#STOP} handler: accepted only from relays we reserved with (fail closed). */
  void onStop(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    PeerId relay = s.connection().remotePeer();
    ReadDelimited.read(s.channel(), RelayMessage.MAX_LENGTH, "relay stop").whenComplete((bytes, e) -> {
      if (e != null) {
        s.reset();
        return;
      }
      RelayMessage m;
      PeerId from;
      try {
        m = RelayMessage.decode(false, bytes);
        from = PeerId.fromBytes(m.peerId() == null ? new byte[0] : m.peerId());
      } catch (IllegalArgumentException x) {
        CircuitRelay.replyAndClose(s, RelayMessage.stopStatus(RelayMessage.MALFORMED_MESSAGE));
        return;
      }
      if (m.type() != RelayMessage.STOP_CONNECT) {
        CircuitRelay.replyAndClose(s, RelayMessage.stopStatus(RelayMessage.UNEXPECTED_MESSAGE));
        return;
      }
      if (!myRelays.contains(relay)) {
        LOG.warn("relay: {} offered a relayed connection from {} but we hold no reservation with it; refused",
            relay, from);
        CircuitRelay.replyAndClose(s, RelayMessage.stopStatus(RelayMessage.PERMISSION_DENIED));
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

  /** Dials {@code .../p2p/<relay>/p2p-circuit/p2p/<peer>} (the host's circuit dialer). */
  CompletableFuture<Connection> dial(Multiaddr circuit, PeerId target) {
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
    return host.connect(relayAddr).thenCompose(relay -> host.newStream(relay, CircuitRelay.HOP).thenCompose(s -> {
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(RelayMessage.hopConnect(target.toBytes()).encodeDelimited()));
      return ReadDelimited.read(s.channel(), RelayMessage.MAX_LENGTH, "relay connect").thenCompose(bytes -> {
        RelayMessage m = RelayMessage.decode(true, bytes);
        if (m.type() != RelayMessage.HOP_STATUS || m.status() == null || m.status() != RelayMessage.OK) {
          s.reset();
          throw new TransportException("relay: " + relay.remotePeer() + " could not connect us to " + target + ": "
              + RelayMessage.statusName(m.status()));
        }
        return host.upgradeRelayed(s, true, target, circuitAddress(relay, target).withoutPeerId());
      });
    }));
  }

  private static Multiaddr circuitAddress(Connection relay, PeerId peer) {
    return relay.remoteAddress().withPeerId(relay.remotePeer()).circuitTo(peer);
  }
}
