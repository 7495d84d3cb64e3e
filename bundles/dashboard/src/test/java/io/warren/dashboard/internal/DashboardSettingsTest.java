package io.warren.dashboard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Configs;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardSettingsTest {
  private static DashboardSettings.Config config(Object... pairs) {
    Map<String, Object> m = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], pairs[i + 1]);
    }
    return Configs.of(DashboardSettings.Config.class, m);
  }

  @Test
  void offUnlessEnabledOrGivenAPort() {
    assertFalse(DashboardSettings.of(config(), null).enabled());
    DashboardSettings byFlag = DashboardSettings.of(config(), "0");
    assertTrue(byFlag.enabled());
    assertEquals(0, byFlag.port());
    assertTrue(DashboardSettings.of(config("enabled", true), null).enabled());
    assertEquals(8090, DashboardSettings.of(config("enabled", true), null).port());
  }

  @Test
  void anotherThanLoopbackNeedsToBeAskedForByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DashboardSettings.of(config("enabled", true, "host", "0.0.0.0"), null));
    assertTrue(e.getMessage().contains("plain.http.beyond.loopback"), e.getMessage());
    assertEquals("0.0.0.0",
        DashboardSettings.of(config("enabled", true, "host", "0.0.0.0", "plain_http_beyond_loopback", true), null)
            .host());
  }

  @Test
  void badValuesSayWhatIsWrong() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DashboardSettings.of(config(), "http"))
        .getMessage().contains("warren.dashboard.port"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> DashboardSettings.of(config("enabled", true, "session_minutes", 0), null)).getMessage()
        .contains("session.minutes"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> DashboardSettings.of(config("enabled", true, "refresh_seconds", 61), null)).getMessage()
        .contains("refresh.seconds"));
  }
}
