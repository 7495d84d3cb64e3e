package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class LoginLimitsTest {

  @Test
  void aSourceFailingTooOftenIsLockedOutForLongerEachTimeAndOthersAreNot() {
    LoginLimits l = new LoginLimits();
    long t = 1_000_000;
    for (int i = 0; i < LoginLimits.FREE_FAILURES; i++) {
      assertNull(l.admit("10.0.0.1", t));
      l.done("10.0.0.1", false, t);
    }
    assertEquals("locked for 1 s after 5 failed logins", l.admit("10.0.0.1", t));
    assertNull(l.admit("10.0.0.2", t), "another source is not affected");
    assertNull(l.admit("10.0.0.1", t + 1_000));
    l.done("10.0.0.1", false, t + 1_000);
    assertNotNull(l.admit("10.0.0.1", t + 2_500), "the second lockout lasts 2 s");
    assertNull(l.admit("10.0.0.1", t + 3_000));
    l.done("10.0.0.1", true, t + 3_000);
    assertNull(l.admit("10.0.0.1", t + 3_000), "a success clears the source");
  }

  @Test
  void aSourceHasAtMostTwoChecksAtOnce() {
    LoginLimits l = new LoginLimits();
    assertNull(l.admit("a", 0));
    assertNull(l.admit("a", 0));
    assertEquals("2 password checks already running for this source", l.admit("a", 0));
    l.done("a", true, 0);
    assertNull(l.admit("a", 0));
  }
}
