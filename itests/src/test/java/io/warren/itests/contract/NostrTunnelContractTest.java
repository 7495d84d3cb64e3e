package io.warren.itests.contract;

import io.warren.nostr.internal.NostrEndpoints;
import io.warren.testing.TransportContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The transport contract over a Nostr relay tunnel: two devices behind one relay on loopback WebSockets. */
class NostrTunnelContractTest extends TransportContract {
  @TempDir Path dir;

  @Override
  protected Endpoints connect() throws Exception {
    return NostrEndpoints.start(dir);
  }
}
