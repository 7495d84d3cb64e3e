package io.warren.federation;

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
 * @param path {@code direct} or {@code relayed} while a connection is open, else {@code -}
 * @param self whether this is this node
 */
public record Member(String peerId, String name, String version, List<String> addresses, Instant signedAt,
    Instant lastContact, String path, boolean self) {
  public Member {
    addresses = List.copyOf(addresses);
  }
}
