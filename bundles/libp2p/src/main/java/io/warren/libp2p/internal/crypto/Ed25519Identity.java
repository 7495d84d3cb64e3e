package io.warren.libp2p.internal.crypto;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.protobuf.ProtoReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * This node's libp2p identity: an Ed25519 key pair held as JDK keys, signing with the JDK.
 * (The identity bundle will own key storage; this class only needs a {@link KeyPair}.)
 */
public final class Ed25519Identity implements LocalIdentity {

  private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");

  private final PrivateKey privateKey;
  private final Libp2pPublicKey publicKey;
  private final PeerId peerId;

  private Ed25519Identity(PrivateKey privateKey, byte[] rawPublic) {
    this.privateKey = privateKey;
    this.publicKey = Libp2pPublicKey.ed25519(rawPublic);
    this.peerId = publicKey.peerId();
  }

  public static Ed25519Identity generate() {
    try {
      return fromKeyPair(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 missing from the JDK", e);
    }
  }

  /** From a JDK Ed25519 key pair (e.g. loaded by the identity bundle). */
  public static Ed25519Identity fromKeyPair(KeyPair pair) {
    byte[] spki = pair.getPublic().getEncoded();
    if (!"Ed25519".equals(pair.getPublic().getAlgorithm()) && !"EdDSA".equals(pair.getPublic().getAlgorithm())
        || spki.length != 44) {
      throw new IllegalArgumentException("not an Ed25519 key pair: " + pair.getPublic().getAlgorithm());
    }
    return new Ed25519Identity(pair.getPrivate(), Arrays.copyOfRange(spki, 12, 44));
  }

  /** From the 32-byte RFC 8032 private key (seed). */
  public static Ed25519Identity fromSeed(byte[] seed) {
    if (seed.length != 32) {
      throw new IllegalArgumentException("Ed25519 seed must be 32 bytes, got " + seed.length);
    }
    byte[] rawPublic = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
    byte[] pkcs8 = Arrays.copyOf(PKCS8_PREFIX, PKCS8_PREFIX.length + 32);
    System.arraycopy(seed, 0, pkcs8, PKCS8_PREFIX.length, 32);
    try {
      PrivateKey pk = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      return new Ed25519Identity(pk, rawPublic);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("Ed25519 seed rejected by the JDK", e);
    }
  }

  /**
   * From a libp2p {@code PrivateKey} protobuf holding an Ed25519 key: {@code seed || public} (64 bytes),
   * or the legacy {@code seed || public || public} (96 bytes). The public half must match the seed.
   */
  public static Ed25519Identity fromPrivateKeyProtobuf(byte[] proto) {
    ProtoReader r = new ProtoReader(proto);
    Long type = null;
    byte[] data = null;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> type = r.readVarint();
        case 2 -> data = r.readBytes();
        default -> r.skip();
      }
    }
    if (type == null || data == null || KeyType.fromNumber(type) != KeyType.ED25519) {
      throw new IllegalArgumentException("libp2p private key: not an Ed25519 PrivateKey protobuf");
    }
    if (data.length != 64 && data.length != 96) {
      throw new IllegalArgumentException("libp2p private key: Ed25519 data must be 64 or 96 bytes, got " + data.length);
    }
    if (data.length == 96 && !Arrays.equals(data, 32, 64, data, 64, 96)) {
      throw new IllegalArgumentException("libp2p private key: legacy 96-byte form with two different public keys");
    }
    Ed25519Identity id = fromSeed(Arrays.copyOfRange(data, 0, 32));
    if (!Arrays.equals(id.publicKey.data(), Arrays.copyOfRange(data, 32, 64))) {
      throw new IllegalArgumentException("libp2p private key: public half does not match the seed");
    }
    return id;
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
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(privateKey);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  @Override
  public String toString() {
    return "Ed25519Identity(" + peerId + ")";
  }
}
