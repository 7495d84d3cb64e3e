package io.warren.identity;

import io.warren.api.Base58;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

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

  /** DER prefix of an X.509 SubjectPublicKeyInfo holding a raw Ed25519 key. */
  private static final byte[] X509_ED25519 = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  /**
   * The raw 32-byte Ed25519 key inside an Ed25519 peer ID (identity multihash of the key protobuf).
   *
   * @throws IllegalArgumentException when {@code peerId} is not the text form of an Ed25519 peer ID
   */
  public static byte[] ed25519PublicKey(String peerId) {
    byte[] mh;
    try {
      mh = Base58.decode(peerId);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a peer ID: " + e.getMessage(), e);
    }
    if (mh.length != 38 || mh[0] != 0x00 || mh[1] != 36) {
      throw new IllegalArgumentException("not an Ed25519 peer ID (12D3KooW...): " + peerId);
    }
    byte[] key = Arrays.copyOfRange(mh, 6, 38);
    if (!Arrays.equals(ed25519PublicKeyProtobuf(key), Arrays.copyOfRange(mh, 2, 38))) {
      throw new IllegalArgumentException("not an Ed25519 peer ID (12D3KooW...): " + peerId);
    }
    return key;
  }

  /** Whether {@code signature} is the Ed25519 signature of {@code data} by the key of {@code peerId}. */
  public static boolean verifyEd25519(String peerId, byte[] data, byte[] signature) {
    byte[] key;
    try {
      key = ed25519PublicKey(peerId);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (signature == null || signature.length != 64) {
      return false;
    }
    try {
      byte[] x509 = Arrays.copyOf(X509_ED25519, X509_ED25519.length + 32);
      System.arraycopy(key, 0, x509, X509_ED25519.length, 32);
      Signature v = Signature.getInstance("Ed25519");
      v.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509)));
      v.update(data);
      return v.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
