package io.warren.federation.internal;

import io.warren.api.PeerId;
import io.warren.api.PeerNames;
import io.warren.api.PeerRef;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The network's node names for the {@link io.warren.api.PeerDirectory}: a name any one member
 * signed (this node included), or a unique peer ID prefix of 8 characters at least, names that
 * member's libp2p peer.
 */
@Component(service = PeerNames.class)
public final class MemberNames implements PeerNames {
  private final FederationService federation;

  @Activate
  public MemberNames(@Reference FederationService federation) {
    this.federation = federation;
  }

  @Override
  public Optional<PeerRef> lookup(String name) {
    return FederationService.byNameOrPrefix(federation.members(), name)
        .map(m -> PeerRef.libp2p(PeerId.parse(m.peerId())));
  }

  @Override
  public Optional<String> nameOf(PeerRef peer) {
    return PeerRef.LIBP2P.equals(peer.transport()) ? federation.nameOf(peer.id()) : Optional.empty();
  }
}
