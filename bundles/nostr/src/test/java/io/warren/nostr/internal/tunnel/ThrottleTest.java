package io.warren.nostr.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ThrottleTest {
  @Test
  void oneSecondOfBurstThenReadsWaitForTheRate() {
    Throttle t = new Throttle(1_000_000);
    assertEquals(0, t.delayNanos(1_000_000), "a second's worth passes at once");
    long wait = t.delayNanos(2_000_000);
    assertTrue(wait > 1_500_000_000L && wait <= 2_000_000_000L, "two more seconds' worth waits about 2 s: " + wait);
    assertThrows(IllegalArgumentException.class, () -> new Throttle(0));
  }
}
