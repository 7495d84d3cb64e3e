package io.warren.dashboard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SessionsTest {
  @Test
  void aSessionLapsesWhenUnusedAndUseMovesItsLapseOn() {
    TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    Sessions s = new Sessions(Duration.ofMinutes(30), clock);
    Sessions.Session a = s.open("admin");
    assertNotEquals(a.id(), a.csrf(), "the cookie and the CSRF token are different secrets");
    clock.advance(Duration.ofMinutes(29));
    assertTrue(s.find(a.id()).isPresent());
    clock.advance(Duration.ofMinutes(29));
    assertTrue(s.live(a.id()), "the last use moved the lapse on");
    clock.advance(Duration.ofMinutes(2));
    assertFalse(s.live(a.id()));
    assertTrue(s.find(a.id()).isEmpty());
    assertTrue(s.find("made-up").isEmpty());
    assertTrue(s.find(null).isEmpty());
  }

  @Test
  void theCsrfTokenMustMatchExactly() {
    Sessions.Session a = new Sessions(Duration.ofMinutes(1), Clock.systemUTC()).open("admin");
    assertTrue(a.csrfMatches(a.csrf()));
    assertFalse(a.csrfMatches(null));
    assertFalse(a.csrfMatches(""));
    assertFalse(a.csrfMatches(a.csrf() + "x"));
    assertFalse(a.csrfMatches(a.id()));
  }

  @Test
  void oneSessionTooManyDropsTheOldest() {
    Sessions s = new Sessions(Duration.ofMinutes(30), Clock.systemUTC());
    Sessions.Session first = s.open("admin");
    for (int i = 1; i < Sessions.MAX; i++) {
      s.open("admin");
    }
    assertTrue(s.live(first.id()));
    s.open("admin");
    assertEquals(Sessions.MAX, s.size());
    assertFalse(s.live(first.id()), "the oldest went at the cap");
  }

  @Test
  void closeEndsIt() {
    Sessions s = new Sessions(Duration.ofMinutes(30), Clock.systemUTC());
    Sessions.Session a = s.open("admin");
    s.close(a.id());
    assertTrue(s.find(a.id()).isEmpty());
  }
}
