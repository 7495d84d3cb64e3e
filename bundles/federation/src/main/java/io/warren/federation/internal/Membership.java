package io.warren.federation.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Membership proof by challenge-response: each side sends a fresh nonce, and proves it holds the
 * network key (derived from the network password, never sent) with an HMAC over the network name,
 * both peer IDs in the prover's role order and both nonces. Binding the peer IDs (which Noise has
 * authenticated) means a proof cannot be replayed to, or relayed through, a third node; binding the
 * nonces means it cannot be replayed at all.
 */
final class Membership {
  static final int NONCE_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Membership() {}

  static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  /**
   * The proof that {@code prover} holds {@code key} for {@code network}, in a dialogue with
   * {@code verifier}; {@code role} is "dialer" or "listener" so the two proofs always differ.
   */
  static byte[] proof(byte[] key, String role, String network, String prover, String verifier, byte[] dialerNonce,
      byte[] listenerNonce) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] transcript = new Codec.Writer().text("warren/federation/membership/2").text(role).text(network)
          .text(prover).text(verifier).bytes(dialerNonce).bytes(listenerNonce).toByteArray();
      return mac.doFinal(transcript);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  /** Compares in constant time. */
  static boolean matches(byte[] expected, byte[] given) {
    return given != null && MessageDigest.isEqual(expected, given);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
