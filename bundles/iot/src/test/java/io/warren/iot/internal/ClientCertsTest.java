package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientCertsTest {

  @Test
  void theUserNameIsTheFirstCommonName() {
    assertEquals("thermostat", ClientCerts.commonName("CN=thermostat,O=Home"));
    assertEquals("a,b", ClientCerts.commonName("O=x,CN=a\\,b"));
    assertEquals("dev", ClientCerts.commonName("OU=y+CN=dev,O=x"));
    assertNull(ClientCerts.commonName("O=no common name"));
  }

  @Test
  void pinsAreFingerprintsWithAUser() {
    String fp = "AB:".repeat(31) + "AB";
    assertEquals(Map.of("ab".repeat(32), "valve"), ClientCerts.parsePins(new String[] {fp + "=valve", " "}));
    var bad = assertThrows(IllegalArgumentException.class, () -> ClientCerts.parsePins(new String[] {"abc=valve"}));
    assertTrue(bad.getMessage().contains("is not <sha256 fingerprint in hex>=<user>"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ClientCerts.parsePins(new String[] {"ab".repeat(32) + "="}));
  }

  @Test
  void aListenerWithoutACertificateOrWithoutAnyWayToTrustClientsIsRefused() {
    var noCert = assertThrows(IllegalArgumentException.class, () -> new ClientCerts("", "", "ca.pem", new String[0],
        false));
    assertTrue(noCert.getMessage().contains("tls.certificate.file"), noCert.getMessage());
    var trustsNone = assertThrows(IllegalArgumentException.class, () -> new ClientCerts("c.pem", "k.pem", "",
        new String[0], false));
    assertTrue(trustsNone.getMessage().contains("tls.client.ca.file or tls.client.pins"), trustsNone.getMessage());
  }
}
