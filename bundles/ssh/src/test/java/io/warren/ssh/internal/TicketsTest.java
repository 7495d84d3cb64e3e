package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TicketsTest {
  private final AtomicLong now = new AtomicLong(5_000);
  private final Tickets tickets = new Tickets(new Clock() {
    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now.get());
    }
  });

  @Test
  void aTicketLogsInOnceAndOnlyItsPeerMayConnect() {
    String a = tickets.issue("12D3KooWa");
    String b = tickets.issue("12D3KooWa");
    assertNotEquals(a, b);
    assertTrue(a.length() >= 43, a);
    assertTrue(tickets.holds("12D3KooWa"));
    assertFalse(tickets.holds("12D3KooWb"));
    assertEquals(2, tickets.outstanding());
    assertFalse(tickets.redeem(a + "x"));
    assertFalse(tickets.redeem(""));
    assertTrue(tickets.redeem(a));
    assertFalse(tickets.redeem(a), "used up");
    assertTrue(tickets.redeem(b));
    assertEquals(0, tickets.outstanding());
    assertFalse(tickets.holds("12D3KooWa"));
  }

  @Test
  void anUnusedTicketExpires() {
    String a = tickets.issue("12D3KooWa");
    now.addAndGet(Tickets.TTL.toMillis());
    assertFalse(tickets.holds("12D3KooWa"));
    assertFalse(tickets.redeem(a));
    assertEquals(0, tickets.outstanding());
  }

  @Test
  void atMostMaxAreOutstanding() {
    for (int i = 0; i < Tickets.MAX; i++) {
      tickets.issue("12D3KooWa");
    }
    assertThrows(IllegalStateException.class, () -> tickets.issue("12D3KooWa"));
    now.addAndGet(Tickets.TTL.toMillis());
    tickets.issue("12D3KooWa");
  }
}
