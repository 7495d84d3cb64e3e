package io.warren.libp2p.internal.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a peer's certificate exactly when {@link Libp2pCertificate#verify} accepts it: libp2p
 * peers are authenticated by the host key in the certificate, not by a certificate authority.
 * Which peer that is gets checked once the handshake completed ({@link TlsHandler}).
 */
public final class Libp2pTrustManager extends X509ExtendedTrustManager {

  public static final Libp2pTrustManager INSTANCE = new Libp2pTrustManager();

  private Libp2pTrustManager() {}

  private static void check(X509Certificate[] chain) throws CertificateException {
    Libp2pCertificate.verify(chain, Instant.now());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
