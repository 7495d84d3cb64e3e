package io.warren.itests.contract;

import io.warren.testing.TransportContract;

/** The transport contract over a direct libp2p connection (TCP, Noise, Yamux) on loopback. */
class Libp2pDirectContractTest extends TransportContract {
  @Override
  protected Endpoints connect() throws Exception {
    return Libp2pEndpoints.direct();
  }
}
