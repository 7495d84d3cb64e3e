package io.warren.deploy.internal;

import io.warren.deploy.DeployException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.zip.ZipFile;
import jdk.security.jarsigner.JarSigner;

/**
 * A node's own publisher key for {@code deploy:sign}, so a publisher without a JDK at hand can sign
 * with a node: an EC P-256 key and a self-signed X.509 certificate for it (DER written here: the JDK
 * has no public API that makes certificates), and JAR signatures from the JDK's own signer
 * ({@code jdk.security.jarsigner}, what the jarsigner tool runs), so they are jarsigner's.
 */
final class Signer {
  private static final Duration VALIDITY = Duration.ofDays(10 * 365);
  private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
  private static final String COMMON_NAME = "2.5.4.3";

  private final PrivateKey key;
  private final X509Certificate certificate;

  Signer(byte[] pkcs8, byte[] certificate) {
    try {
      this.key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      this.certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
          new ByteArrayInputStream(certificate));
    } catch (GeneralSecurityException e) {
      throw new DeployException("the stored publisher key does not parse: " + e.getMessage(), e);
    }
  }

  /** A new key with a certificate for {@code name}, valid from a minute ago for ten years: its PKCS#8 and DER. */
  static byte[][] create(String name) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = g.generateKeyPair();
      Instant now = Instant.now();
      byte[] subject = der(0x30, der(0x31, der(0x30, oid(COMMON_NAME), der(0x0c, name.getBytes(
          StandardCharsets.UTF_8)))));
      byte[] algorithm = der(0x30, oid(ECDSA_WITH_SHA256));
      byte[] tbs = der(0x30, der(0xa0, der(0x02, BigInteger.TWO.toByteArray())),
          der(0x02, new BigInteger(63, new SecureRandom()).add(BigInteger.ONE).toByteArray()), algorithm, subject,
          der(0x30, time(now.minusSeconds(60)), time(now.plus(VALIDITY))), subject, pair.getPublic().getEncoded());
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(pair.getPrivate());
      s.update(tbs);
      byte[] signature = s.sign();
      byte[] bits = new byte[signature.length + 1];
      System.arraycopy(signature, 0, bits, 1, signature.length);
      return new byte[][] {pair.getPrivate().getEncoded(), der(0x30, tbs, algorithm, der(0x03, bits))};
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 and SHA256withECDSA are part of every JDK", e);
    }
  }

  X509Certificate certificate() {
    return certificate;
  }

  /** The certificate as PEM, for {@code deploy:trust add} on other nodes. */
  String pem() {
    try {
      return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
          .encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Signs {@code jar} into {@code out} as jarsigner does (the signature files are {@code WARREN.SF/.EC}). */
  void sign(Path jar, Path out) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile()); OutputStream o = Files.newOutputStream(out)) {
      new JarSigner.Builder(key, CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate)))
          .signerName("WARREN").build().sign(zip, o);
    } catch (GeneralSecurityException e) {
      throw new DeployException("cannot sign " + jar + ": " + e.getMessage(), e);
    } catch (java.util.zip.ZipException e) {
      throw new IllegalArgumentException(jar + " is not a jar: " + e.getMessage(), e);
    } catch (jdk.security.jarsigner.JarSignerException e) {
      throw new DeployException("cannot sign " + jar + ": " + e.getMessage(), e);
    }
  }

  private static byte[] time(Instant t) {
    return der(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t).getBytes(
        StandardCharsets.US_ASCII));
  }

  private static byte[] oid(String dotted) {
    String[] p = dotted.split("\\.");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(Integer.parseInt(p[0]) * 40 + Integer.parseInt(p[1]));
    for (int i = 2; i < p.length; i++) {
      long v = Long.parseLong(p[i]);
      int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
      for (int g = groups - 1; g >= 0; g--) {
        b.write((int) ((v >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
      }
    }
    return der(0x06, b.toByteArray());
  }

  /** A DER element: {@code tag}, its definite length, and the parts' bytes. */
  static byte[] der(int tag, byte[]... parts) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      body.writeBytes(p);
    }
    int n = body.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }
}
