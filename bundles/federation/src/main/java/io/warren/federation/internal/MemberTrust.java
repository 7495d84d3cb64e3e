package io.warren.federation.internal;

import io.warren.libp2p.TrustedPeers;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Members relay for each other without limits, and a private member reserves at a public one. */
@Component(service = TrustedPeers.class)
public final class MemberTrust implements TrustedPeers {
  private final FederationService federation;

  @Activate
  public MemberTrust(@Reference FederationService federation) {
    this.federation = federation;
  }

  @Override
  public boolean trusted(String peerId) {
    return federation.isMember(peerId);
  }
}
