package io.warren.tls.internal;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Certificates to and from PEM, and the SSLContext trusting only the CAs of a PEM file. */
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
}
