package io.warren.libp2p.internal.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Hands the one libp2p certificate and its key to a TLS stack, for any request its key type
 * answers (peers send no issuer list a self-signed libp2p certificate could match).
 *
 * <p>Why not the builders' {@code keyManager(PrivateKey, ...)}: they put the key into an in-memory
 * PKCS#12 key store, which encrypts it with PBKDF2 (10,000 rounds of HMAC-SHA256) although the store
 * never leaves memory. That is tens of milliseconds of a node's start for each context, and QUIC
 * builds two of them on the start path.
 */
public final class Libp2pKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "libp2p";
  private final PrivateKey key;
  private final X509Certificate[] chain;

  public Libp2pKeyManager(Libp2pCertificate certificate) {
    this.key = certificate.privateKey();
    this.chain = new X509Certificate[] {certificate.certificate()};
  }

  /**
   * Whether a key type a TLS stack asks for is ours: the key's algorithm ("EC"), or that algorithm
   * followed by the signer's ("EC_EC", as BoringSSL's callbacks ask).
   */
  private boolean matches(String keyType) {
    String algorithm = key.getAlgorithm();
    return keyType != null && (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_"));
  }

  private String aliasFor(String... keyTypes) {
    if (keyTypes != null) {
      for (String type : keyTypes) {
        if (matches(type)) {
          return ALIAS;
        }
      }
    }
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return matches(keyType) ? new String[] {ALIAS} : null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return aliasFor(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return matches(keyType) ? new String[] {ALIAS} : null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? chain.clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? key : null;
  }
}
