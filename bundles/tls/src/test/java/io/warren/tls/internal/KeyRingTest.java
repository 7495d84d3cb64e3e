package io.warren.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Keys parsed from PEM: the key must be the certificate's, names come from the SANs, wildcards cover one label. */
class KeyRingTest {
  private final SelfSignedCertificate app = new SelfSignedCertificate("app.example.test");
  private final SelfSignedCertificate wild = new SelfSignedCertificate("*.example.test");

  KeyRingTest() throws Exception {}

  @AfterEach
  void delete() {
    app.delete();
    wild.delete();
  }

  private static TlsStore.Stored stored(String name, SelfSignedCertificate c, SelfSignedCertificate key)
      throws Exception {
    return new TlsStore.Stored(name, Files.readString(key.privateKey().toPath()),
        Files.readString(c.certificate().toPath()), "import");
  }

  @Test
  void namesComeFromTheCertificateAndAWildcardCoversOneLabel() throws Exception {
    KeyRing ring = new KeyRing();
    ring.put(KeyRing.parse(stored("app", app, app), Engine.JDK));
    ring.put(KeyRing.parse(stored("wild", wild, wild), Engine.JDK));
    assertEquals(List.of("app.example.test"), ring.get("app").hostnames());
    assertSame(ring.get("app"), ring.forHost("app.example.test"), "the exact name first");
    assertSame(ring.get("wild"), ring.forHost("other.example.test"));
    assertNull(ring.forHost("a.b.example.test"), "one label only");
    assertTrue(ring.remove("wild"));
    assertNull(ring.forHost("other.example.test"));
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> KeyRing.parse(stored("x", app, wild), Engine.JDK));
    assertTrue(e.getMessage().contains("not the key of the certificate"), e.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> KeyRing.parse(new TlsStore.Stored("x", "no key", "no cert", "import"), Engine.JDK)).getMessage()
        .contains("certificate"));
  }

  @Test
  void aCopyPayloadRoundTripsAndItsLengthsAreChecked() {
    byte[] p = KeyCopy.payload("app", "CHAIN", "KEY");
    assertArrayEquals(new String[] {"app", "CHAIN", "KEY"}, KeyCopy.parse(p));
    p[p.length - 4] = 0x7f; // the key's length now says more than is there
    assertThrows(IllegalArgumentException.class, () -> KeyCopy.parse(p));
  }

  @Test
  void aCopyTokenIsForItsPeerOnceAndSizesAreBounded() {
    KeyCopy copies = new KeyCopy();
    String digest = "0".repeat(64);
    String token = copies.expect("peerA", "app", 100, digest);
    assertTrue(copies.take(token, "peerB").isEmpty(), "another peer's stream");
    assertEquals("app", copies.take(token, "peerA").orElseThrow().name());
    assertTrue(copies.take(token, "peerA").isEmpty(), "once");
    assertThrows(IllegalArgumentException.class, () -> copies.expect("peerA", "app", KeyCopy.MAX_PAYLOAD + 1, digest));
  }
}
