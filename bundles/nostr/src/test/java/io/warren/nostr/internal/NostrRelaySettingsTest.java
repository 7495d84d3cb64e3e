package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How configuration and the warren.relay.port property decide whether and where the relay listens. */
class NostrRelaySettingsTest {

  private static NostrRelay.Config config(Map<String, Object> values) {
    return Configs.of(NostrRelay.Config.class, values);
  }

  @Test
  void offByDefaultOnLoopback() {
    RelaySettings s = NostrRelay.settings(config(Map.of()), null);
    assertFalse(s.enabled());
    assertEquals("127.0.0.1", s.host());
    assertEquals(0, s.port());
    assertEquals(20, s.limits().maxSubscriptions());
  }

  @Test
  void thePortPropertyEnablesTheRelayAndWinsOverTheConfiguredPort() {
    RelaySettings s = NostrRelay.settings(config(Map.of("port", 7000)), "7447");
    assertTrue(s.enabled());
    assertEquals(7447, s.port());
    assertTrue(NostrRelay.settings(config(Map.of()), "0").enabled(), "0 means a free port, still on");
    assertTrue(NostrRelay.settings(config(Map.of("enabled", true)), null).enabled());
    assertFalse(NostrRelay.settings(config(Map.of()), " ").enabled(), "an empty property is no port");
  }

  @Test
  void badValuesStopTheComponentWithTheReason() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NostrRelay.settings(config(Map.of()), "seven"))
        .getMessage().contains("warren.relay.port"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> NostrRelay.settings(config(Map.of("port", 70000)), null))
            .getMessage().contains("port must be 0-65535"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> NostrRelay.settings(config(Map.of("max_filters", 0)), null)).getMessage().contains("max.filters"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> NostrRelay.settings(config(Map.of("public_url", "http://x")), null)).getMessage().contains("public.url"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> NostrRelay.settings(config(Map.of("default_limit", 600)), null)).getMessage().contains("default.limit"));
  }
}
