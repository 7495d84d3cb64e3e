package io.warren.libp2p;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard SPI: peers this node trusts, such as members of one of its networks (the federation
 * bundle registers one once a peer proved membership). Register any number of these services; a
 * peer is trusted when one of them says so.
 *
 * <p>The circuit relay uses it (config {@code relay.hop.members}): trusted peers may reserve and
 * relay between themselves with no data or duration limit, even where relaying for others is off.
 * The automatic relay client prefers trusted relays. Called on network threads: answer quickly,
 * without blocking.
 */
@ConsumerType
@FunctionalInterface
public interface TrustedPeers {

  /** Whether {@code peerId} (base58, {@code 12D3KooW...}) is trusted. */
  boolean trusted(String peerId);
}
