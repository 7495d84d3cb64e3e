package io.warren.ssh.internal;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Set;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * OpenSSH public key lines, parsed by MINA SSHD and held to the kinds an admin key may be: ed25519,
 * ecdsa (P-256, P-384, P-521) and rsa of at least {@value #MIN_RSA_BITS} bits. Certificates,
 * security-key (sk-) and DSA keys are refused, as are login options before the key.
 */
final class KeyLines {
  static final int MIN_RSA_BITS = 3072;
  static final int MAX_LINE = 16_384;
  static final Set<String> TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp521", "ssh-rsa");

  /** A parsed, accepted key line. */
  record Parsed(PublicKey key, String type, int bits, String comment, String line) {
    String fingerprint() {
      return KeyUtils.getFingerPrint(key);
    }
  }

  private KeyLines() {}

  static Parsed parse(String line) {
    String l = line == null ? "" : line.strip();
    if (l.isEmpty()) {
      throw new IllegalArgumentException(
          "no key given (expected an OpenSSH public key line: ssh-ed25519 AAAA... comment)");
    }
    if (l.length() > MAX_LINE || l.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("one public key line of at most " + MAX_LINE + " characters expected");
    }
    String type = l.split("\\s+", 2)[0];
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException(
          "'" + type + "' keys are not accepted (expected ssh-ed25519, ecdsa-sha2-nistp256/384/521"
              + " or ssh-rsa of at least " + MIN_RSA_BITS + " bits, without options before the key)");
    }
    AuthorizedKeyEntry entry;
    PublicKey key;
    try {
      entry = AuthorizedKeyEntry.parseAuthorizedKeyEntry(l);
      key = entry.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
    } catch (Exception e) {
      throw new IllegalArgumentException("not a valid " + type + " public key: " + e.getMessage(), e);
    }
    if (entry == null || key == null) {
      throw new IllegalArgumentException("not a valid " + type + " public key");
    }
    int bits = bits(key);
    if (key instanceof RSAPublicKey && bits < MIN_RSA_BITS) {
      throw new IllegalArgumentException(
          "an RSA key must have at least " + MIN_RSA_BITS + " bits, this one has " + bits);
    }
    String comment = entry.getComment() == null ? "" : entry.getComment().strip();
    String canonical = entry.getKeyType() + " " + l.split("\\s+")[1] + (comment.isEmpty() ? "" : " " + comment);
    return new Parsed(key, type, bits, comment, canonical);
  }

  static int bits(PublicKey key) {
    if (key instanceof RSAPublicKey r) {
      return r.getModulus().bitLength();
    }
    if (key instanceof ECPublicKey e) {
      return e.getParams().getCurve().getField().getFieldSize();
    }
    return 256; // ed25519
  }
}
