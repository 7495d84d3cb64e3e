package io.warren.federation.internal;

import io.warren.api.NetworkMembers;
import io.warren.api.PeerId;
import io.warren.api.PeerRef;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The network's members for services on api only ({@link NetworkMembers}): the peer table's libp2p peers. */
@Component(service = NetworkMembers.class)
public final class Members implements NetworkMembers {
  private final FederationService federation;

  @Activate
  public Members(@Reference FederationService federation) {
    this.federation = federation;
  }

  @Override
  public Optional<String> network() {
    return federation.network();
  }

  @Override
  public List<PeerRef> peers() {
    if (federation.network().isEmpty()) {
      return List.of();
    }
    return federation.members().stream().filter(m -> !m.self()).map(m -> PeerRef.libp2p(PeerId.parse(m.peerId())))
        .toList();
  }

  @Override
  public boolean isMember(PeerRef peer) {
    return PeerRef.LIBP2P.equals(peer.transport()) && federation.network().isPresent()
        && federation.isMember(peer.id());
  }
}
