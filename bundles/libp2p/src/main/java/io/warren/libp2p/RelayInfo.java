package io.warren.libp2p;

import java.time.Instant;
import java.util.List;

/**
 * A circuit relay reservation this node holds (or tried to hold) so that peers can reach it
 * through that relay.
 *
 * @param relayPeerId the relay's peer ID
 * @param relayAddress the relay's address as this node reached it (without {@code /p2p})
 * @param circuitAddresses where peers can reach this node through the relay, each ending in
 *     {@code /p2p-circuit/p2p/<this node>}; empty unless reserved
 * @param expires when the relay drops the reservation unless it is refreshed; null if none was granted
 * @param state {@code reserving}, {@code reserved}, {@code refreshing}, {@code released: <reason>} (this node
 *     is reachable directly, so it no longer advertises nor refreshes it), or {@code failed: <reason>} (tried again
 *     after a backoff, or dropped)
 * @param heldSince when the reservation held now was first granted (refreshes keep it); null when none is held
 */
public record RelayInfo(String relayPeerId, String relayAddress, List<String> circuitAddresses, Instant expires,
    String state, Instant heldSince) {
  public RelayInfo {
    circuitAddresses = List.copyOf(circuitAddresses);
  }

  /** Without {@code heldSince} (as before 1.4). */
  public RelayInfo(String relayPeerId, String relayAddress, List<String> circuitAddresses, Instant expires,
      String state) {
    this(relayPeerId, relayAddress, circuitAddresses, expires, state, null);
  }
}
