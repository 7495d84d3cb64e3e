package io.warren.api;

import java.util.Objects;

/**
 * A peer as a transport names it.
 *
 * @param transport the {@link Transport#name()} that reaches the peer, e.g. {@code libp2p}
 * @param id the peer's id in that transport's text form (a libp2p peer ID such as
 *     {@code 12D3KooW...}, or a Nostr device's hex public key)
 */
public record PeerRef(String transport, String id) {
  public PeerRef {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(id, "id");
    if (transport.isBlank() || id.isBlank()) {
      throw new IllegalArgumentException("peer reference needs a transport and an id");
    }
  }

  @Override
  public String toString() {
    return transport + ":" + id;
  }
}
