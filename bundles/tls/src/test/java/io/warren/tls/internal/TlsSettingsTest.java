package io.warren.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Configs;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TlsSettingsTest {
  private static TlsSettings of(Map<String, Object> values) {
    return TlsSettings.of(Configs.of(TlsSettings.Config.class, values));
  }

  @Test
  void defaultsAreLetsEncryptWithTheJvmTrustAndNoListener() {
    TlsSettings s = of(Map.of());
    assertTrue(s.acmeUrl().startsWith("https://acme-v02.api.letsencrypt.org/"));
    assertTrue(s.acmeCaFile().isEmpty());
    assertEquals(false, s.listen());
    assertEquals(30, s.renewDaysBefore());
  }

  @Test
  void badValuesSayWhich() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> of(Map.of("acme_url", "http://x/dir")))
        .getMessage().contains("acme.url"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> of(Map.of("acme_ca_file", "/no/such/ca.pem")))
        .getMessage().contains("acme.ca.file"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> of(Map.of("listen_port", 70000)))
        .getMessage().contains("listen.port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> of(Map.of("renew_check_seconds", 0)))
        .getMessage().contains("renew.check.seconds"));
  }

  @Test
  void hostnamesAreCheckedAndLowerCased() {
    assertEquals("app.example.com", TlsService.hostname(" App.Example.COM "));
    for (String bad : new String[] {"", "localhost-", "no_underscore.example", "-a.example", "a..b", "single"}) {
      assertThrows(IllegalArgumentException.class, () -> TlsService.hostname(bad), bad);
    }
  }
}
