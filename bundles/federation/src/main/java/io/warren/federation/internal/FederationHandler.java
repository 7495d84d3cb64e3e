package io.warren.federation.internal;

import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inbound {@value MembershipDialogue#PROTOCOL} streams: each is served on a federation worker (the
 * dialogue blocks), first the membership proof, then the operation the dialer asked for.
 */
@Component(service = StreamHandler.class, property = StreamHandler.PROTOCOL + "=" + MembershipDialogue.PROTOCOL)
public final class FederationHandler implements StreamHandler {
  private static final Logger LOG = LoggerFactory.getLogger(FederationHandler.class);

  private final FederationService federation;
  private final RemoteAdminCalls admin;

  @Activate
  public FederationHandler(@Reference FederationService federation, @Reference RemoteAdminCalls admin) {
    this.federation = federation;
    this.admin = admin;
  }

  @Override
  public void handle(Stream stream) {
    try {
      federation.execute(() -> serve(stream));
    } catch (RejectedExecutionException e) {
      stream.channel().close();
    }
  }

  private void serve(Stream stream) {
    String peer = stream.peer().id();
    try (Frames f = new Frames(stream, federation.dialogue().timeout())) {
      Optional<String> accepted = federation.dialogue().answer(stream, f);
      if (accepted.isEmpty()) {
        return;
      }
      String operation = accepted.get();
      switch (operation) {
        case PeerTableSync.OPERATION -> federation.sync().answer(f, peer);
        case RemoteAdminCalls.OPERATION -> admin.serve(f, peer, RemoteAdminCalls.sourceOf(stream));
        default -> throw new ProtocolException("unknown operation '" + operation + "'");
      }
    } catch (Exception e) {
      LOG.info("federation: stream from {} closed: {}", peer, FederationService.describe(e));
    }
  }
}
