package io.warren.deploy.internal;

import io.warren.deploy.DeployException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.CodeSigner;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.osgi.framework.Version;

/**
 * Standard JAR signatures (what jarsigner writes) checked with {@code java.util.jar}: every entry
 * but the signature files themselves must be signed, all by the same certificate, which must be one
 * of the trusted ones and within its validity; reading each entry checks its digest against the
 * manifest, and the manifest's own digest against the signature file, so a changed byte anywhere
 * (a class, a resource, the Bundle-Version) is refused.
 */
final class Signatures {

  /** What a verified artifact is: its bundle, version and publisher. */
  record Verified(String bundle, Version version, X509Certificate signer) {}

  private Signatures() {}

  /** Verifies {@code jar} against {@code trusted} (by SHA-256 fingerprint), or throws saying why. */
  static Verified verify(Path jar, Map<String, X509Certificate> trusted) {
    try (JarFile file = new JarFile(jar.toFile(), true)) {
      Manifest manifest = file.getManifest();
      if (manifest == null) {
        throw new DeployException("refused: not a bundle (no META-INF/MANIFEST.MF)");
      }
      X509Certificate signer = null;
      byte[] buffer = new byte[16384];
      for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements();) {
        JarEntry entry = e.nextElement();
        try (InputStream in = file.getInputStream(entry)) {
          while (in.read(buffer) != -1) {
            // reading to the end is what checks the entry's digest
          }
        } catch (SecurityException x) {
          throw new DeployException("refused: tampered: " + x.getMessage(), x);
        }
        if (entry.isDirectory() || signatureFile(entry.getName())) {
          continue;
        }
        X509Certificate by = trustedSigner(entry, trusted);
        if (signer == null) {
          signer = by;
        } else if (!signer.equals(by)) {
          throw new DeployException("refused: entries signed by different publishers (" + subject(signer) + ", "
              + subject(by) + ")");
        }
      }
      if (signer == null) {
        throw new DeployException("refused: unsigned (no signed entries)");
      }
      try {
        signer.checkValidity();
      } catch (GeneralSecurityException x) {
        throw new DeployException("refused: the publisher's certificate is not valid now: " + x.getMessage(), x);
      }
      Attributes main = manifest.getMainAttributes();
      String name = main.getValue("Bundle-SymbolicName");
      if (name == null || name.isBlank()) {
        throw new DeployException("refused: not a bundle (no Bundle-SymbolicName)");
      }
      Version version;
      try {
        version = Version.parseVersion(main.getValue("Bundle-Version"));
      } catch (IllegalArgumentException x) {
        throw new DeployException("refused: bad Bundle-Version: " + x.getMessage(), x);
      }
      return new Verified(name.split(";", 2)[0].strip(), version, signer);
    } catch (SecurityException x) {
      throw new DeployException("refused: tampered: " + x.getMessage(), x);
    } catch (IOException x) {
      throw new DeployException("refused: not a readable jar: " + x.getMessage(), x);
    }
  }

  /** The trusted certificate that signed {@code entry}, or a refusal naming who did. */
  private static X509Certificate trustedSigner(JarEntry entry, Map<String, X509Certificate> trusted) {
    CodeSigner[] signers = entry.getCodeSigners();
    if (signers == null || signers.length == 0) {
      throw new DeployException("refused: unsigned entry " + entry.getName());
    }
    String seen = null;
    for (CodeSigner s : signers) {
      Certificate first = s.getSignerCertPath().getCertificates().get(0);
      if (first instanceof X509Certificate c) {
        if (trusted.containsKey(fingerprint(c))) {
          return c;
        }
        seen = subject(c);
      }
    }
    throw new DeployException("refused: signed by " + seen + ", a publisher this node does not trust"
        + " (deploy:trust add <certificate>)");
  }

  /** Files jarsigner writes and verification skips: the manifest, signature files and blocks. */
  static boolean signatureFile(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (!upper.startsWith("META-INF/") || upper.indexOf('/', "META-INF/".length()) >= 0) {
      return false;
    }
    return upper.equals("META-INF/MANIFEST.MF") || upper.endsWith(".SF") || upper.endsWith(".RSA")
        || upper.endsWith(".DSA") || upper.endsWith(".EC") || upper.startsWith("META-INF/SIG-");
  }

  /** A certificate's SHA-256 fingerprint, lower-case hex. */
  static String fingerprint(X509Certificate c) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  static String subject(X509Certificate c) {
    return c.getSubjectX500Principal().getName();
  }
}
