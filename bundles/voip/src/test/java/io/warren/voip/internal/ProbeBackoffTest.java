package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeBackoffTest {

  @Test
  void doublesFromOneSecondToTheCapAndStaysThere() {
    ProbeBackoff b = new ProbeBackoff();
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      delays.add(b.next());
    }
    assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L), delays);
  }

  @Test
  void aChangeOfConnectionsStartsOverAtOneSecond() {
    ProbeBackoff b = new ProbeBackoff();
    b.next();
    b.next();
    b.next();
    b.reset();
    assertEquals(1000L, b.next());
    assertEquals(2000L, b.next());
  }
}
