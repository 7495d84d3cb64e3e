package io.warren.libp2p.internal.noise;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/** X25519 on raw 32-byte keys (RFC 7748), backed by the JDK's XDH. */
final class X25519 {

  static final int KEY_LENGTH = 32;
  private static final byte[] BASE_POINT = new byte[KEY_LENGTH];
  private static final SecureRandom RANDOM = new SecureRandom();

  static {
    BASE_POINT[0] = 9;
  }

  /** A key pair as raw bytes: private scalar and public u-coordinate. */
  record KeyPair(byte[] privateKey, byte[] publicKey) {}

  private X25519() {}

  static KeyPair generate() {
    byte[] priv = new byte[KEY_LENGTH];
    RANDOM.nextBytes(priv);
    return fromPrivate(priv);
  }

  static KeyPair fromPrivate(byte[] priv) {
    try {
      return new KeyPair(priv.clone(), dh(priv, BASE_POINT));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 unavailable", e);
    }
  }

  /** DH(priv, pub); throws for a low-order public key (all-zero result), as Noise requires we may. */
  static byte[] dh(byte[] priv, byte[] pub) throws GeneralSecurityException {
    KeyFactory kf = KeyFactory.getInstance("XDH");
    PrivateKey privateKey = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, priv));
    byte[] le = pub.clone();
    le[KEY_LENGTH - 1] &= 0x7F; // RFC 7748: mask the unused top bit
    byte[] be = new byte[KEY_LENGTH];
    for (int i = 0; i < KEY_LENGTH; i++) {
      be[i] = le[KEY_LENGTH - 1 - i];
    }
    PublicKey publicKey = kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
    KeyAgreement ka = KeyAgreement.getInstance("XDH");
    ka.init(privateKey);
    ka.doPhase(publicKey, true);
    return ka.generateSecret();
  }
}
