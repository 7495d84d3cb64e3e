package io.warren.identity;

/** libp2p peer IDs of Ed25519 keys (peer-ids spec: identity multihash of the key protobuf). */
public final class PeerIds {
  private PeerIds() {}

  /** The libp2p PublicKey protobuf of a raw 32-byte Ed25519 key: {Type: Ed25519, Data: key}. */
  public static byte[] ed25519PublicKeyProtobuf(byte[] rawKey) {
    if (rawKey.length != 32) {
      throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + rawKey.length);
    }
    byte[] pb = new byte[36];
    pb[0] = 0x08; // field 1 (Type), varint
    pb[1] = 0x01; // Ed25519
    pb[2] = 0x12; // field 2 (Data), length-delimited
    pb[3] = 0x20; // 32 bytes
    System.arraycopy(rawKey, 0, pb, 4, 32);
    return pb;
  }

  /** The peer ID text ({@code 12D3KooW...}) of a raw 32-byte Ed25519 public key. */
  public static String ofEd25519(byte[] rawKey) {
    byte[] pb = ed25519PublicKeyProtobuf(rawKey);
    byte[] multihash = new byte[2 + pb.length];
    multihash[0] = 0x00; // identity hash
    multihash[1] = (byte) pb.length;
    System.arraycopy(pb, 0, multihash, 2, pb.length);
    return Base58.encode(multihash);
  }
}
