package io.warren.dashboard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SessionsTest {
  /** A clock the test moves. */
  private static final class Hands extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aSessionLapsesWhenUnusedAndUseMovesItsLapseOn() {
    Hands clock = new Hands();
    Sessions s = new Sessions(Duration.ofMinutes(30), clock);
    Sessions.Session a = s.open("admin");
    assertNotEquals(a.id(), a.csrf(), "the cookie and the CSRF token are different secrets");
    clock.now = clock.now.plus(Duration.ofMinutes(29));
    assertTrue(s.find(a.id()).isPresent());
    clock.now = clock.now.plus(Duration.ofMinutes(29));
    assertTrue(s.live(a.id()), "the last use moved the lapse on");
    clock.now = clock.now.plus(Duration.ofMinutes(2));
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
