package io.warren.libp2p.internal;

import io.warren.api.Metric;
import io.warren.libp2p.PeerInfo;
import io.warren.libp2p.RelayInfo;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.relay.CircuitRelay;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The libp2p transport's figures for {@code /metrics}: connections by path and direction, open
 * streams, payload bytes per stream protocol (service), connection upgrades (TLS or Noise handshakes)
 * and their failures, the circuit relay this node serves and the reservations it holds, and refusals at the resource limits. Every series is
 * reported from the start, at zero too.
 */
final class Libp2pMetrics {
  private Libp2pMetrics() {}

  static List<Metric> samples(Host host, List<PeerInfo> peers, CircuitRelay.HopFigures hop, List<RelayInfo> held) {
    List<Metric> m = new ArrayList<>();
    for (String path : List.of("direct", "relayed")) {
      for (String direction : List.of("inbound", "outbound")) {
        long n = peers.stream()
            .filter(p -> p.relayed() == path.equals("relayed") && p.outbound() == direction.equals("outbound")).count();
        m.add(Metric.gauge("warren_libp2p_connections", "libp2p connections open now, by path and who dialled.", n,
            "path", path, "direction", direction));
      }
    }
    Map<String, long[]> byPeer = new java.util.TreeMap<>();
    for (Connection c : host.connections()) {
      long[] b = byPeer.computeIfAbsent(c.remotePeer().toString(), p -> new long[2]);
      b[0] += c.bytesIn();
      b[1] += c.bytesOut();
    }
    byPeer.forEach((peer, b) -> {
      String help = "Bytes over this node's open libp2p connections to a peer, as they crossed them (encrypted, "
          + "framed); starts again when the peer reconnects.";
      m.add(Metric.counter("warren_libp2p_peer_bytes_total", help, b[0], "peer", peer, "direction", "in"));
      m.add(Metric.counter("warren_libp2p_peer_bytes_total", help, b[1], "peer", peer, "direction", "out"));
    });
    String perService = "Payload bytes of libp2p streams by protocol (service) since start, after negotiation: "
        + "protocols this node serves or dialled, the rest as other. A relay's hop and a relayed connection's stop "
        + "stream carry whole connections, whose own streams count under their protocols too.";
    host.streamBytes().snapshot(host.protocols().protocols()).forEach((protocol, b) -> {
      m.add(Metric.counter("warren_libp2p_stream_bytes_total", perService, b[0], "protocol", protocol, "direction",
          "in"));
      m.add(Metric.counter("warren_libp2p_stream_bytes_total", perService, b[1], "protocol", protocol, "direction",
          "out"));
    });
    m.add(Metric.gauge("warren_libp2p_streams", "Streams open now on all libp2p connections.",
        peers.stream().mapToInt(PeerInfo::streams).sum()));
    for (String direction : List.of("inbound", "outbound")) {
      boolean outbound = direction.equals("outbound");
      m.add(Metric.counter("warren_libp2p_handshakes_total",
          "libp2p connection upgrades (multistream, TLS or Noise handshake, muxer) finished, succeeded or not.",
          host.handshakes(outbound, false) + host.handshakes(outbound, true), "direction", direction));
      m.add(Metric.counter("warren_libp2p_handshake_failures_total",
          "libp2p connection upgrades that failed (bad handshake, wrong peer, timeout, closed).",
          host.handshakes(outbound, true), "direction", direction));
    }
    m.add(Metric.gauge("warren_relay_reservations", "Circuit relay reservations other peers hold on this node.",
        hop.reservations()));
    m.add(Metric.gauge("warren_relay_circuits", "Relayed circuits through this node open now.", hop.circuits()));
    m.add(Metric.counter("warren_relay_circuits_opened_total", "Relayed circuits through this node opened since start.",
        hop.circuitsOpened()));
    Instant now = Instant.now();
    m.add(Metric.gauge("warren_relay_client_reservations", "Reservations this node holds at relays (to be reachable).",
        held.stream().filter(r -> r.expires() != null && r.expires().isAfter(now)).count()));
    String help = "Connections, streams or requests refused because a limit was reached, by limit.";
    for (Map.Entry<String, Long> e : host.limitRefusals().entrySet()) {
      m.add(Metric.counter("warren_limit_refused_total", help, e.getValue(), "limit",
          "libp2p_" + e.getKey().replace('-', '_')));
    }
    m.add(Metric.counter("warren_limit_refused_total", help, hop.reservationsRefused(), "limit",
        "relay_reservations"));
    m.add(Metric.counter("warren_limit_refused_total", help, hop.circuitsRefused(), "limit", "relay_circuits"));
    return m;
  }
}
