package io.warren.api;

import java.util.List;
import java.util.Optional;

/**
 * The network this node belongs to and its other members, for services that act on every member
 * (an IoT bridge delivers to each). Registered by the federation; absent on a node without one.
 */
public interface NetworkMembers {

  /** The network this node is a member of, if any. */
  Optional<String> network();

  /** The other members (this node left out) as the peer table knows them now. */
  List<PeerRef> peers();

  /** Whether {@code peer} proved membership of this node's network. */
  boolean isMember(PeerRef peer);
}
