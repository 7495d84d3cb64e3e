package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicsTest {

  @Test
  void wildcardsMatchAsTheSpecificationSays() {
    assertTrue(Topics.matches("sport/tennis/player1/#", "sport/tennis/player1"));
    assertTrue(Topics.matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
    assertTrue(Topics.matches("sport/#", "sport"));
    assertTrue(Topics.matches("#", "a/b"));
    assertTrue(Topics.matches("sport/+", "sport/"));
    assertFalse(Topics.matches("sport/+", "sport"));
    assertTrue(Topics.matches("+/+", "/finance"));
    assertTrue(Topics.matches("/+", "/finance"));
    assertFalse(Topics.matches("+", "/finance"));
    assertFalse(Topics.matches("a/b", "a/b/c"));
    assertFalse(Topics.matches("a/b/c", "a/b"));
  }

  @Test
  void dollarTopicsAreNotMatchedByALeadingWildcard() {
    assertFalse(Topics.matches("#", "$SYS/x"));
    assertFalse(Topics.matches("+/x", "$SYS/x"));
    assertTrue(Topics.matches("$SYS/#", "$SYS/x"));
  }

  @Test
  void aPatternCoversASubscriptionOnlyWhenEveryTopicItMatchesIsAllowed() {
    assertTrue(Topics.covers("sensors/#", "sensors/+/temp"));
    assertTrue(Topics.covers("sensors/+/temp", "sensors/a/temp"));
    assertFalse(Topics.covers("sensors/+/temp", "sensors/#"));
    assertFalse(Topics.covers("sensors/+", "sensors/#"));
    assertFalse(Topics.covers("sensors/a", "sensors/+"));
    assertTrue(Topics.covers("#", "#"));
  }

  @Test
  void badFiltersAndNamesSayWhy() {
    assertEquals("'#' must be a whole level and the last one: a/#/b",
        assertThrows(IllegalArgumentException.class, () -> Topics.checkFilter("a/#/b")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Topics.checkFilter("a/b#"));
    assertThrows(IllegalArgumentException.class, () -> Topics.checkFilter("a+/b"));
    assertThrows(IllegalArgumentException.class, () -> Topics.checkFilter(""));
    assertThrows(IllegalArgumentException.class, () -> Topics.checkName("a/+"));
    Topics.checkFilter("+/a/#");
    Topics.checkName("a/b");
  }
}
