package io.warren.itests.contract;

import io.warren.testing.TransportContract;

/** The transport contract over a libp2p connection through a circuit relay v2 on loopback. */
class Libp2pRelayedContractTest extends TransportContract {
  @Override
  protected Endpoints connect() throws Exception {
    return Libp2pEndpoints.relayed();
  }
}
