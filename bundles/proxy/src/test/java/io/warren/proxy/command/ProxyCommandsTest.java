package io.warren.proxy.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxyCommandsTest {
  @Test
  void expiryDurations() {
    assertEquals(Duration.ofSeconds(90), ProxyCommands.duration("90s"));
    assertEquals(Duration.ofMinutes(30), ProxyCommands.duration("30m"));
    assertEquals(Duration.ofHours(12), ProxyCommands.duration("12h"));
    assertEquals(Duration.ofDays(7), ProxyCommands.duration("7d"));
    assertThrows(IllegalArgumentException.class, () -> ProxyCommands.duration("soon"));
    assertThrows(IllegalArgumentException.class, () -> ProxyCommands.duration("-1h"));
  }
}
