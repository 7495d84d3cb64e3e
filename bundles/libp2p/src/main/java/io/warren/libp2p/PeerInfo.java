package io.warren.libp2p;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One open connection to a peer.
 *
 * @param peerId the authenticated remote peer
 * @param address the remote address of the connection
 * @param outbound whether this node dialled it
 * @param relayed whether the bytes pass through a relay
 * @param streams streams open on it now
 * @param agentVersion what the peer's identify said it runs (empty until identified)
 * @param protocols the protocols the peer's identify listed (empty until identified)
 * @param addressesSigned whether the peer's addresses came in a signed peer record that verified
 * @param opened when the connection was established
 * @param security the security protocol that authenticated the peer: {@code /tls/1.0.0} or {@code /noise}
 * @param rtt the round-trip time of the connection's path as Yamux last measured it (a ping when the
 *     session starts; through the relay when relayed), or null before the first answer
 */
public record PeerInfo(String peerId, String address, boolean outbound, boolean relayed, int streams,
    String agentVersion, List<String> protocols, boolean addressesSigned, Instant opened, String security,
    Duration rtt) {
  public PeerInfo {
    protocols = List.copyOf(protocols);
  }

  /**
   * How the bytes travel: {@code relayed} (through a circuit relay), {@code quic} (a
   * {@code /udp/<port>/quic-v1} address), else {@code tcp}.
   *
   * @since 1.5
   */
  public String transport() {
    return relayed ? "relayed" : address.contains("/quic-v1") ? "quic" : "tcp";
  }

  /** Without {@code rtt} (as before 1.4). */
  public PeerInfo(String peerId, String address, boolean outbound, boolean relayed, int streams, String agentVersion,
      List<String> protocols, boolean addressesSigned, Instant opened, String security) {
    this(peerId, address, outbound, relayed, streams, agentVersion, protocols, addressesSigned, opened, security,
        null);
  }
}
