package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.TestClock;
import java.security.PublicKey;
import java.time.Instant;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.Test;

class TicketsTest {
  private final TestClock clock = new TestClock(Instant.ofEpochMilli(5_000));
  private final Tickets tickets = new Tickets(clock);

  private static PublicKey key() throws Exception {
    return KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic();
  }

  @Test
  void aTicketLogsInOnceAndOnlyItsPeerMayConnect() throws Exception {
    PublicKey a = key();
    PublicKey b = key();
    tickets.issue("12D3KooWa", a);
    assertTrue(tickets.holds("12D3KooWa"));
    assertFalse(tickets.holds("12D3KooWb"));
    assertTrue(tickets.find(b).isEmpty(), "another key has no ticket");
    Tickets.Ticket t = tickets.find(a).orElseThrow();
    assertTrue(tickets.find(a).isPresent(), "finding it (the client's query) does not use it up");
    tickets.used(t);
    assertTrue(tickets.find(a).isEmpty(), "used up");
    assertEquals(0, tickets.outstanding());
    assertFalse(tickets.holds("12D3KooWa"));
  }

  @Test
  void anUnusedTicketExpires() throws Exception {
    PublicKey a = key();
    tickets.issue("12D3KooWa", a);
    clock.advance(Tickets.TTL);
    assertFalse(tickets.holds("12D3KooWa"));
    assertTrue(tickets.find(a).isEmpty());
    assertEquals(0, tickets.outstanding());
  }

  @Test
  void atMostMaxAreOutstanding() throws Exception {
    PublicKey a = key();
    for (int i = 0; i < Tickets.MAX; i++) {
      tickets.issue("12D3KooWa", a);
    }
    assertThrows(IllegalStateException.class, () -> tickets.issue("12D3KooWa", a));
    clock.advance(Tickets.TTL);
    tickets.issue("12D3KooWa", a);
  }
}
