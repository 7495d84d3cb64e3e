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
 * @param state {@code reserving}, {@code reserved}, {@code refreshing}, or {@code failed: <reason>} (tried again
 *     after a backoff, or dropped)
 */
public record RelayInfo(String relayPeerId, String relayAddress, List<String> circuitAddresses, Instant expires,
    String state) {
  public RelayInfo {
    circuitAddresses = List.copyOf(circuitAddresses);
  }
}
