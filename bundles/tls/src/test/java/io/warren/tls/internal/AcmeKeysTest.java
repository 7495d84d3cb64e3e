package io.warren.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.security.KeyPair;
import java.security.Security;
import org.junit.jupiter.api.Test;

/** The keys the ACME client makes and keeps, on a JVM where nothing registered Bouncy Castle. */
class AcmeKeysTest {

  @Test
  void aKeyMadeWithoutAnyRegisteredBouncyCastleIsP256AndComesBackWholeFromItsPem() {
    Security.removeProvider("BC");
    KeyPair key = AcmeClient.newAccountKey();
    assertNull(Security.getProvider("BC"), "making a key registers nothing in the JVM");
    assertEquals("EC", key.getPublic().getAlgorithm());
    KeyPair back = AcmeClient.read(AcmeClient.write(key));
    assertArrayEquals(key.getPublic().getEncoded(), back.getPublic().getEncoded());
    assertArrayEquals(key.getPrivate().getEncoded(), back.getPrivate().getEncoded());
  }
}
