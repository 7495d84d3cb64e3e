package io.warren.iot.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * MQTT users' password hashes: PBKDF2-HMAC-SHA256 from the JDK, stored as
 * {@code pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>}.
 */
final class Passwords {
  static final int ITERATIONS = 100_000;
  private static final String PREFIX = "pbkdf2-sha256";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Passwords() {}

  /**
   * The hash of no one's password, so that an unknown user costs the same check as a known one.
   * Made at its first use, not when the service starts (its 100,000 rounds of PBKDF2 were about a
   * tenth of the start thread's CPU time).
   */
  static String dummy() {
    return Dummy.HASH;
  }

  private static final class Dummy {
    static final String HASH = hash("not a password");
  }

  static String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder();
    return PREFIX + "$" + ITERATIONS + "$" + b64.encodeToString(salt) + "$"
        + b64.encodeToString(derive(password.getBytes(StandardCharsets.UTF_8), salt, ITERATIONS));
  }

  /** Whether {@code password} (the bytes of an MQTT CONNECT) matches {@code stored}; false for a malformed hash. */
  static boolean verify(byte[] password, String stored) {
    String[] parts = stored.split("\\$");
    if (parts.length != 4 || !parts[0].equals(PREFIX)) {
      return false;
    }
    Base64.Decoder b64 = Base64.getDecoder();
    byte[] expected = b64.decode(parts[3]);
    byte[] got = derive(password, b64.decode(parts[2]), Integer.parseInt(parts[1]));
    return MessageDigest.isEqual(expected, got);
  }

  private static byte[] derive(byte[] password, byte[] salt, int iterations) {
    // PBEKeySpec takes chars: an MQTT password is binary data, so each byte becomes one char
    char[] chars = new char[password.length];
    for (int i = 0; i < password.length; i++) {
      chars[i] = (char) (password[i] & 0xff);
    }
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(new PBEKeySpec(chars, salt, iterations, 256)).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
    }
  }
}
