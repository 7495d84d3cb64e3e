package io.warren.libp2p.internal.tls;

import io.warren.api.SecretFile;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The libp2p TLS certificate (TCP's {@code /tls/1.0.0} and QUIC) kept in the data directory from
 * one start to the next, as the libp2p TLS specification allows ("MAY reuse the same key and
 * certificate for multiple connections"). Making one costs a P-256 key, and on JDK 24+ the first
 * P-256 key of a JVM builds the JDK's generator tables: 50-90 ms of CPU on the start path (QUIC's
 * listener needs the certificate), more while the rest of the node starts beside it.
 *
 * <p>The file holds the certificate's private key, which lets its holder present this node's
 * identity over libp2p TLS: it is written owner-only (as the node key file next to it, which is
 * worth more), replaced atomically, and replaced by a new one {@value #MAX_AGE_DAYS} days after
 * it was made, or as soon as it names another node key. A file that is damaged (its SHA-256 does
 * not match) or unreadable is replaced with a warning; it never stops the node.
 */
public final class StoredCertificate {
  private static final Logger LOG = LoggerFactory.getLogger(StoredCertificate.class);
  static final int MAX_AGE_DAYS = 30;
  private static final String HEADER = "Warren libp2p TLS certificate and its key: secret, never share this file";

  private StoredCertificate() {}

  /** The certificate in {@code file} if it is good for {@code identity} now; else a new one, written there. */
  public static Libp2pCertificate loadOrMake(Path file, LocalIdentity identity) {
    Libp2pCertificate kept = load(file, identity, Instant.now());
    if (kept != null) {
      return kept;
    }
    Libp2pCertificate made = Libp2pCertificate.generate(identity);
    try {
      save(file, made);
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("libp2p: cannot keep the TLS certificate in {} ({}); the next start makes a new one", file,
          e.toString());
    }
    return made;
  }

  /** The certificate kept in {@code file}, or null (absent, damaged, too old, another key: said in the log). */
  static Libp2pCertificate load(Path file, LocalIdentity identity, Instant now) {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("libp2p: cannot read the TLS certificate in {} ({}); making a new one", file, e.toString());
      return null;
    }
    try {
      byte[] key = Base64.getDecoder().decode(field(p, "key"));
      byte[] der = Base64.getDecoder().decode(field(p, "certificate"));
      if (!HexFormat.of().formatHex(digest(key, der)).equals(field(p, "sha256"))) {
        throw new GeneralSecurityException("its checksum does not match: the file is damaged");
      }
      PrivateKey privateKey = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(key));
      return Libp2pCertificate.restore(privateKey, der, identity, now, Duration.ofDays(MAX_AGE_DAYS));
    } catch (java.security.cert.CertificateException e) {
      LOG.info("libp2p: the TLS certificate in {} is not used again ({}); making a new one", file, e.getMessage());
      return null;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      LOG.warn("libp2p: the TLS certificate in {} is unusable ({}); making a new one", file, e.getMessage());
      return null;
    }
  }

  /** Writes {@code certificate} and its key to {@code file}, owner-only, replacing it atomically. */
  static void save(Path file, Libp2pCertificate certificate) throws IOException {
    byte[] key = certificate.privateKey().getEncoded();
    byte[] der = certificate.der();
    String text = "# " + HEADER + "\n"
        + "key=" + Base64.getEncoder().encodeToString(key) + "\n"
        + "certificate=" + Base64.getEncoder().encodeToString(der) + "\n"
        + "sha256=" + HexFormat.of().formatHex(digest(key, der)) + "\n";
    SecretFile.write(file, text, true);
  }

  private static String field(Properties p, String name) throws GeneralSecurityException {
    String v = p.getProperty(name);
    if (v == null || v.isBlank()) {
      throw new GeneralSecurityException("it has no " + name);
    }
    return v.trim();
  }

  private static byte[] digest(byte[] key, byte[] der) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(key);
      d.update(der);
      return d.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
