package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** RFC 3550 A.8 on made-up arrivals: even spacing gives none, a steady alternation converges to its size. */
class JitterTest {
  private static final long MS = 1_000_000L;

  @Test
  void evenlySpacedPacketsHaveNoJitterEvenAcrossATimestampWrap() {
    Jitter j = new Jitter(8000);
    long ts = 0xFFFFFFFFL - 5 * 160;
    for (int i = 0; i < 20; i++) {
      j.add((ts + i * 160L) & 0xFFFFFFFFL, 1_000 * MS + i * 20 * MS);
    }
    assertEquals(0.0, j.units(), 1e-9);
  }

  @Test
  void packetsAlternatelyFiveMillisecondsLateConvergeToFiveMilliseconds() {
    Jitter j = new Jitter(8000);
    for (int i = 0; i < 400; i++) {
      j.add(i * 160L, i * 20 * MS + (i % 2 == 0 ? 0 : 5 * MS));
    }
    assertEquals(5.0, j.millis(), 0.01, "every D is 40 units (5 ms) apart");
    assertEquals(40.0, j.units(), 0.1);
  }

  @Test
  void opusCountsAtFortyEightKilohertz() {
    Jitter j = new Jitter(Codecs.clockRate("opus"));
    j.add(0, 0);
    j.add(960, 30 * MS); // 10 ms late against a 20 ms frame
    assertEquals(480.0 / 16, j.units(), 1e-6);
    assertEquals(10.0 / 16, j.millis(), 1e-6);
    assertThrows(IllegalArgumentException.class, () -> new Jitter(0));
  }
}
