package io.warren.libp2p.internal.noise;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Noise SymmetricState with SHA-256: chaining key, handshake hash and the current CipherState. */
final class SymmetricState {

  static final int HASH_LENGTH = 32;

  private byte[] ck;
  private byte[] h;
  private CipherState cipher; // null until the first MixKey

  SymmetricState(String protocolName) {
    byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
    h = name.length <= HASH_LENGTH ? Arrays.copyOf(name, HASH_LENGTH) : sha256(name);
    ck = h.clone();
  }

  void mixKey(byte[] ikm) {
    byte[][] out = hkdf(ck, ikm, 2);
    ck = out[0];
    cipher = new CipherState(out[1]);
  }

  void mixHash(byte[] data) {
    h = sha256(h, data);
  }

  byte[] encryptAndHash(byte[] plaintext) throws GeneralSecurityException {
    byte[] out = cipher == null ? plaintext.clone() : cipher.encryptWithAd(h, plaintext);
    mixHash(out);
    return out;
  }

  byte[] decryptAndHash(byte[] ciphertext) throws GeneralSecurityException {
    byte[] out = cipher == null ? ciphertext.clone() : cipher.decryptWithAd(h, ciphertext);
    mixHash(ciphertext);
    return out;
  }

  boolean hasKey() {
    return cipher != null;
  }

  byte[] handshakeHash() {
    return h.clone();
  }

  /** Returns {initiator-to-responder, responder-to-initiator}. */
  CipherState[] split() {
    byte[][] out = hkdf(ck, new byte[0], 2);
    return new CipherState[] {new CipherState(out[0]), new CipherState(out[1])};
  }

  /** HKDF as the Noise spec defines it: HMAC-SHA256 extract with the chaining key, then 2 or 3 outputs. */
  static byte[][] hkdf(byte[] chainingKey, byte[] ikm, int outputs) {
    byte[] tempKey = hmac(chainingKey, ikm);
    byte[][] out = new byte[outputs][];
    byte[] prev = new byte[0];
    for (int i = 0; i < outputs; i++) {
      byte[] input = Arrays.copyOf(prev, prev.length + 1);
      input[prev.length] = (byte) (i + 1);
      prev = hmac(tempKey, input);
      out[i] = prev;
    }
    return out;
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
