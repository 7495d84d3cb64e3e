package io.warren.tls.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Certificates and keys to and from PEM, and the SSLContext trusting only the CAs of a PEM file. */
final class Pem {
  private Pem() {}

  static String certificates(List<X509Certificate> chain) {
    StringBuilder sb = new StringBuilder();
    Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
    for (X509Certificate c : chain) {
      try {
        sb.append("-----BEGIN CERTIFICATE-----\n").append(b64.encodeToString(c.getEncoded()))
            .append("\n-----END CERTIFICATE-----\n");
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("cannot encode certificate " + c.getSubjectX500Principal(), e);
      }
    }
    return sb.toString();
  }

  static List<X509Certificate> parseCertificates(byte[] pem) throws GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  /** A TLS client context that trusts exactly the certificates in {@code pem}. */
  static SSLContext trusting(byte[] pem) throws GeneralSecurityException, java.io.IOException {
    List<X509Certificate> cas = parseCertificates(pem);
    if (cas.isEmpty()) {
      throw new GeneralSecurityException("no certificate in the CA file");
    }
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    for (int i = 0; i < cas.size(); i++) {
      ks.setCertificateEntry("ca" + i, cas.get(i));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /**
   * The private key of a PEM text: PKCS#8 ({@code PRIVATE KEY}) or a traditional EC/RSA key pair.
   *
   * @throws IllegalArgumentException when there is no unencrypted private key in it
   */
  static PrivateKey privateKey(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      JcaPEMKeyConverter convert = new JcaPEMKeyConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PEMKeyPair pair) {
          return convert.getKeyPair(pair).getPrivate();
        }
        if (o instanceof PrivateKeyInfo info) {
          return convert.getPrivateKey(info);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("the key PEM does not parse: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("no unencrypted private key in the key PEM");
  }

  /** Whether {@code key} is the private half of {@code pub} (a signature by one verifies with the other). */
  static boolean matches(PrivateKey key, PublicKey pub) {
    String alg = switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448
    };
    try {
      byte[] nonce = new byte[32];
      new SecureRandom().nextBytes(nonce);
      Signature sign = Signature.getInstance(alg);
      sign.initSign(key);
      sign.update(nonce);
      byte[] sig = sign.sign();
      Signature verify = Signature.getInstance(alg);
      verify.initVerify(pub);
      verify.update(nonce);
      return verify.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * The DNS names of a certificate's subjectAltName, lower case; without any, its subject's CN (old
   * self-signed certificates name their host only there).
   */
  static List<String> dnsNames(X509Certificate c) {
    List<String> out = new ArrayList<>();
    try {
      var sans = c.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(2).equals(san.get(0))) {
            out.add(san.get(1).toString().toLowerCase(java.util.Locale.ROOT));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      return List.of();
    }
    if (out.isEmpty()) {
      for (org.bouncycastle.asn1.x500.RDN rdn : org.bouncycastle.asn1.x500.X500Name
          .getInstance(c.getSubjectX500Principal().getEncoded()).getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN)) {
        out.add(org.bouncycastle.asn1.x500.style.IETFUtils.valueToString(rdn.getFirst().getValue())
            .toLowerCase(java.util.Locale.ROOT));
      }
    }
    return out;
  }
}
