package io.warren.libp2p.internal.dcutr;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DialBudgetTest {
  private final AtomicLong clock = new AtomicLong();
  private final DialBudget budget = new DialBudget(2, 3, clock::get);
  private final PeerId a = Ed25519Identity.generate().peerId();
  private final PeerId b = Ed25519Identity.generate().peerId();

  @Test
  void roundsAreBoundPerPeerAndInTotalPerMinute() {
    assertTrue(budget.tryAcquire(a));
    assertTrue(budget.tryAcquire(a));
    assertFalse(budget.tryAcquire(a), "a's two rounds a minute are spent");
    assertTrue(budget.tryAcquire(b));
    assertFalse(budget.tryAcquire(b), "three in all are spent");
    clock.addAndGet(Duration.ofSeconds(59).toNanos());
    assertFalse(budget.tryAcquire(b));
    clock.addAndGet(Duration.ofSeconds(1).toNanos());
    assertTrue(budget.tryAcquire(a), "a minute later the budget is back");
  }
}
