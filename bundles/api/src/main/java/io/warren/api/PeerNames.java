package io.warren.api;

import java.util.Optional;

/**
 * A source of peer names for the {@link PeerDirectory}, registered as a whiteboard service: the
 * federation contributes its network's node names, the Nostr bundle its devices' callsigns.
 */
public interface PeerNames {

  /**
   * The peer called {@code name} here, if any.
   *
   * @throws IllegalArgumentException when the name is ambiguous, listing the candidates
   */
  Optional<PeerRef> lookup(String name);

  /** The name this source gives {@code peer}, if any. */
  Optional<String> nameOf(PeerRef peer);
}
