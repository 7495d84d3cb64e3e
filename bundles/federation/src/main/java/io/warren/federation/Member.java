package io.warren.federation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One node of a network as this node knows it: what its own signed record says, and how this
 * node last reached it.
 *
 * @param peerId the node's libp2p peer ID
 * @param name the node's name, as it signed it
 * @param version the Warren version it runs
 * @param addresses the addresses it signed (direct and /p2p-circuit multiaddrs)
 * @param signedAt when it signed that record
 * @param lastContact when this node last completed an exchange with it, or {@code null} if never
 * @param path how this node's best open connection to it travels, as libp2p's {@code PeerInfo.transport()}
 *     says ({@code tcp}, {@code quic} or {@code relayed}; a direct one wins), else {@code -}
 * @param self whether this is this node
 * @param rtt that connection's latest round trip as libp2p measured it ({@code PeerInfo.rtt()}), or
 *     {@code null} when none is open or none was measured yet (since 1.1)
 */
public record Member(String peerId, String name, String version, List<String> addresses, Instant signedAt,
    Instant lastContact, String path, boolean self, Duration rtt) {
  public Member {
    addresses = List.copyOf(addresses);
  }

  /** Without {@code rtt} (as before 1.1). */
  public Member(String peerId, String name, String version, List<String> addresses, Instant signedAt,
      Instant lastContact, String path, boolean self) {
    this(peerId, name, version, addresses, signedAt, lastContact, path, self, null);
  }
}
