package io.warren.libp2p.internal.crypto;

import io.warren.api.PeerId;

/**
 * This node's identity key as the protocols need it: its public key and signatures with it
 * (peer-ids spec signing rules for the key type). Warren nodes use {@link Ed25519Identity}; other
 * key types exist for tests that play the part of RSA or secp256k1 peers.
 */
public interface LocalIdentity {

  Libp2pPublicKey publicKey();

  byte[] sign(byte[] message);

  default PeerId peerId() {
    return publicKey().peerId();
  }
}
