package io.warren.libp2p.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.warren.libp2p.internal.crypto.Ed25519Identity;
import org.junit.jupiter.api.Test;

/** The key manager offers the certificate for its own key type only (handshakes are in TlsHandlerTest, QuicAlpnTest). */
class Libp2pKeyManagerTest {
  private final Libp2pCertificate certificate = Libp2pCertificate.generate(Ed25519Identity.generate());
  private final Libp2pKeyManager keys = new Libp2pKeyManager(certificate);

  @Test
  void offersTheP256CertificateForEcRequestsOnly() {
    String alias = keys.chooseEngineServerAlias("EC", null, null);
    assertEquals(alias, keys.chooseServerAlias("EC_EC", null, null), "BoringSSL asks for key and signer type");
    assertEquals(alias, keys.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null));
    assertNull(keys.chooseEngineServerAlias("RSA", null, null));
    assertNull(keys.chooseEngineServerAlias("ECX", null, null), "a prefix of another type is not ours");
    assertNull(keys.chooseEngineClientAlias(new String[] {"RSA", "EdDSA"}, null, null));
    assertNull(keys.getServerAliases("RSA", null));

    assertSame(certificate.privateKey(), keys.getPrivateKey(alias));
    assertArrayEquals(certificate.der(), encoded(keys.getCertificateChain(alias)[0]));
    assertNull(keys.getPrivateKey("other"));
    assertNull(keys.getCertificateChain("other"));
  }

  private static byte[] encoded(java.security.cert.X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new AssertionError(e);
    }
  }
}
