package io.warren.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RenewalBackoffTest {
  private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void failuresDoubleTheWaitUpToADayAndASuccessForgetsThem() {
    RenewalBackoff b = new RenewalBackoff(Duration.ofHours(1));
    assertTrue(b.due("a.example", t0));
    assertEquals(Duration.ofHours(1), b.failed("a.example", t0));
    assertFalse(b.due("a.example", t0.plusSeconds(3599)));
    assertTrue(b.due("a.example", t0.plusSeconds(3600)));
    assertTrue(b.due("b.example", t0), "one name's failures do not delay another");
    assertEquals(Duration.ofHours(2), b.failed("a.example", t0));
    assertEquals(Duration.ofHours(4), b.failed("a.example", t0));
    for (int i = 0; i < 30; i++) {
      b.failed("a.example", t0);
    }
    assertEquals(RenewalBackoff.MAX_WAIT, b.failed("a.example", t0));
    b.succeeded("a.example");
    assertTrue(b.due("a.example", t0));
    assertEquals(Duration.ofHours(1), b.failed("a.example", t0));
  }
}
