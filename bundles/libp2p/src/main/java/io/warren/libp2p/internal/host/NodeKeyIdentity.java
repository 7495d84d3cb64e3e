package io.warren.libp2p.internal.host;

import io.warren.api.NodeIdentity;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.crypto.LocalIdentity;

/**
 * The node's Ed25519 key (held by the identity bundle, which signs for us) as the libp2p protocols
 * need it. Checks that both bundles derive the same peer ID, so a node never advertises one ID and
 * authenticates as another.
 */
public final class NodeKeyIdentity implements LocalIdentity {
  private final NodeIdentity node;
  private final Libp2pPublicKey publicKey;
  private final PeerId peerId;

  public NodeKeyIdentity(NodeIdentity node) {
    this.node = node;
    this.publicKey = Libp2pPublicKey.ed25519(node.publicKey());
    this.peerId = publicKey.peerId();
    if (!peerId.toString().equals(node.peerId())) {
      throw new IllegalStateException("libp2p: peer ID from the node key is " + peerId + " but the identity says "
          + node.peerId());
    }
  }

  @Override
  public Libp2pPublicKey publicKey() {
    return publicKey;
  }

  @Override
  public PeerId peerId() {
    return peerId;
  }

  @Override
  public byte[] sign(byte[] message) {
    return node.sign(message);
  }
}
