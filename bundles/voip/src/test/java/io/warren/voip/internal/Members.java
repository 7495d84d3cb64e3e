package io.warren.voip.internal;

import io.warren.api.NetworkMembers;
import io.warren.api.PeerRef;
import java.util.List;
import java.util.Optional;

/** A network "n" of the given peers, for the service's membership check. */
record Members(List<PeerRef> peers) implements NetworkMembers {
  static Members of(PeerRef... peers) {
    return new Members(List.of(peers));
  }

  @Override
  public Optional<String> network() {
    return Optional.of("n");
  }

  @Override
  public boolean isMember(PeerRef peer) {
    return peers.contains(peer);
  }
}
