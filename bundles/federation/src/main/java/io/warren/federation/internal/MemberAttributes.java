package io.warren.federation.internal;

import io.warren.api.PeerAttributes;
import io.warren.api.PeerRef;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The attributes in members' signed records for other bundles: libp2p peers of this node's network only. */
@Component(service = PeerAttributes.class)
public final class MemberAttributes implements PeerAttributes {
  private final FederationService federation;

  @Activate
  public MemberAttributes(@Reference FederationService federation) {
    this.federation = federation;
  }

  @Override
  public Optional<Map<String, String>> of(PeerRef peer) {
    return PeerRef.LIBP2P.equals(peer.transport()) ? federation.attributesOf(peer.id()).map(a -> a)
        : Optional.empty();
  }
}
