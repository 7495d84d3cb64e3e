package io.warren.iot.internal;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The MQTT-over-TLS listener's TLS: the server certificate and key from PEM files, and which
 * client certificates are let in: those issued by a CA of {@code tls.client.ca.file} (the
 * certificate's CN is the MQTT user name) and those whose SHA-256 fingerprint is pinned in
 * {@code tls.client.pins} (as the user name the pin gives). Anything else fails the handshake; a
 * client without a certificate is let in only when {@code tls.allow.password} says so, to
 * authenticate with a user name and password. The engine is OpenSSL (netty-tcnative) where it
 * loads, else the JDK's, as for libp2p TLS.
 */
final class ClientCerts {
  /** {@code sha256-hex}: user name. */
  private final Map<String, String> pins;
  private final X509TrustManager cas;
  private final X509Certificate[] issuers;
  final boolean allowPassword;
  final SslContext context;
  final String engine;

  ClientCerts(String certFile, String keyFile, String caFile, String[] pinList, boolean allowPassword) {
    this.allowPassword = allowPassword;
    this.pins = parsePins(pinList);
    if (certFile.isBlank() || keyFile.isBlank()) {
      throw new IllegalArgumentException(
          "io.warren.iot: tls.port needs tls.certificate.file and tls.key.file (PEM) for the listener's certificate");
    }
    if (caFile.isBlank() && pins.isEmpty() && !allowPassword) {
      throw new IllegalArgumentException("io.warren.iot: tls.port needs tls.client.ca.file or tls.client.pins"
          + " (which client certificates to accept), or tls.allow.password = true");
    }
    try {
      List<X509Certificate> caCerts = caFile.isBlank() ? List.of() : readCertificates(Path.of(caFile));
      this.issuers = caCerts.toArray(X509Certificate[]::new);
      this.cas = caCerts.isEmpty() ? null : trustManager(caCerts);
      boolean openssl;
      try {
        openssl = !"false".equalsIgnoreCase(System.getProperty("warren.tls.native", "true")) && OpenSsl.isAvailable();
      } catch (LinkageError e) { // netty-tcnative's classes not installed
        openssl = false;
      }
      this.engine = openssl ? "OpenSSL" : "JDK";
      this.context = SslContextBuilder.forServer(new File(certFile), new File(keyFile))
          .sslProvider(openssl ? SslProvider.OPENSSL : SslProvider.JDK)
          .clientAuth(allowPassword ? ClientAuth.OPTIONAL : ClientAuth.REQUIRE).trustManager(new Checker()).build();
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("io.warren.iot: TLS listener not set up: " + e.getMessage(), e);
    }
  }

  /** "fingerprint=user" entries, the fingerprint as SHA-256 hex (colons allowed), checked. */
  static Map<String, String> parsePins(String[] list) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String entry : list) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String fp = eq < 0 ? "" : entry.substring(0, eq).strip().replace(":", "").toLowerCase(Locale.ROOT);
      String user = eq < 0 ? "" : entry.substring(eq + 1).strip();
      if (!fp.matches("[0-9a-f]{64}") || user.isEmpty() || user.equals("*")) {
        throw new IllegalArgumentException("io.warren.iot: tls.client.pins entry '" + entry
            + "' is not <sha256 fingerprint in hex>=<user>");
      }
      out.put(fp, user);
    }
    return out;
  }

  static String fingerprint(X509Certificate c) throws CertificateException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new CertificateException(e);
    }
  }

  private static List<X509Certificate> readCertificates(Path file) throws IOException, CertificateException {
    List<X509Certificate> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
    }
    if (out.isEmpty()) {
      throw new CertificateException("no certificate in " + file);
    }
    return out;
  }

  private static X509TrustManager trustManager(List<X509Certificate> caCerts) throws GeneralSecurityException,
      IOException {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    for (int i = 0; i < caCerts.size(); i++) {
      ks.setCertificateEntry("ca" + i, caCerts.get(i));
    }
    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(ks);
    for (var tm : f.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509TrustManager");
  }

  /** The user a client certificate authenticates as: the pinned name, else the CN (a CA checked it). */
  String userOf(X509Certificate leaf) throws CertificateException {
    String pinned = pins.get(fingerprint(leaf));
    if (pinned != null) {
      return pinned;
    }
    String cn = commonName(leaf.getSubjectX500Principal().getName(javax.security.auth.x500.X500Principal.RFC2253));
    if (cn == null || cn.isEmpty()) {
      throw new CertificateException("client certificate without a CN and not pinned");
    }
    return cn;
  }

  /** The first CN of an RFC 2253 name ("CN=dev\,1,O=x": "dev,1"), or null. */
  static String commonName(String rfc2253) {
    StringBuilder value = null;
    int start = 0;
    for (int i = 0; i <= rfc2253.length(); i++) {
      char c = i < rfc2253.length() ? rfc2253.charAt(i) : ',';
      if (c == '\\' && i + 1 < rfc2253.length()) {
        if (value != null) {
          value.append(rfc2253.charAt(i + 1));
        }
        i++;
      } else if (c == ',' || c == '+') {
        if (value != null) {
          return value.toString();
        }
        start = i + 1;
      } else if (value == null && c == '=' && rfc2253.substring(start, i).strip().equalsIgnoreCase("CN")) {
        value = new StringBuilder();
      } else if (value != null) {
        value.append(c);
      }
    }
    return null;
  }

  /**
   * The user the client certificate of {@code ch}'s finished handshake authenticates as, or null
   * when the client sent none.
   */
  String userOf(Channel ch) {
    SslHandler ssl = ch.pipeline().get(SslHandler.class);
    try {
      var certs = ssl.engine().getSession().getPeerCertificates();
      return userOf((X509Certificate) certs[0]);
    } catch (SSLPeerUnverifiedException e) {
      return null;
    } catch (CertificateException e) {
      return null; // not reached: the handshake checked it
    }
  }

  /** Client certificates: pinned, or issued by a configured CA; nothing else. */
  private final class Checker implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      if (chain == null || chain.length == 0) {
        throw new CertificateException("no client certificate");
      }
      if (pins.containsKey(fingerprint(chain[0]))) {
        chain[0].checkValidity();
        return;
      }
      if (cas == null) {
        throw new CertificateException("client certificate " + chain[0].getSubjectX500Principal()
            + " is not pinned (tls.client.pins) and no CA is configured");
      }
      cas.checkClientTrusted(chain, authType);
      userOf(chain[0]); // a CN is needed for the user name
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("the MQTT TLS listener checks clients only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return issuers.clone();
    }
  }
}
