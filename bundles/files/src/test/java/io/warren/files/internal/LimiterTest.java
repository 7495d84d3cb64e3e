package io.warren.files.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The limiter on a clock that moves only when a transfer sleeps: rates, bursts and turns, exactly. */
class LimiterTest {
  private static final long SECOND = 1_000_000_000L;

  /** A clock that jumps to the end of every sleep. */
  static final class FakeClock implements Limiter.Clock {
    long now = 5 * SECOND;

    @Override
    public long nanos() {
      return now;
    }

    @Override
    public void sleep(long nanos) {
      now += nanos;
    }
  }

  @Test
  void aRateAllowsOneSecondOfBurstThenPacesEveryChunk() {
    FakeClock clock = new FakeClock();
    Limiter l = new Limiter(1000, 0, clock);
    assertEquals(0, l.reserve("a", 1000), "a second's worth goes at once");
    assertEquals(SECOND / 2, l.reserve("a", 500));
    assertEquals(SECOND, l.reserve("a", 500));
    clock.now += 10 * SECOND; // idle: the burst is back, but no more than one second of it
    assertEquals(0, l.reserve("a", 1000));
    assertEquals(SECOND, l.reserve("a", 1000));
  }

  @Test
  void noLimitNeverWaits() throws Exception {
    FakeClock clock = new FakeClock();
    Limiter l = new Limiter(0, 0, clock);
    for (int i = 0; i < 100; i++) {
      l.of("a").take(1 << 20);
    }
    assertEquals(5 * SECOND, clock.now);
  }

  /**
   * Transfers that each take one chunk at a time in turn, as their workers do: who moved how much
   * by the time the clock reached {@code until}.
   */
  private static Map<String, Long> run(Limiter l, FakeClock clock, List<String> peers, long chunk, long until)
      throws InterruptedException {
    Map<String, Long> moved = new HashMap<>();
    Map<String, Long> readyAt = new HashMap<>();
    Map<String, Long> lastTurn = new HashMap<>();
    peers.forEach(p -> readyAt.put(p, clock.now));
    peers.forEach(p -> lastTurn.put(p, -1L));
    for (long turn = 0;; turn++) {
      // the transfer whose wait ends first goes next, as threads sleeping on a real clock would; of
      // those ready at once, the one that went least recently (threads running side by side)
      String next = peers.stream().min(Comparator.comparing((String p) -> readyAt.get(p))
          .thenComparing(p -> lastTurn.get(p))).orElseThrow();
      lastTurn.put(next, turn);
      clock.now = Math.max(clock.now, readyAt.get(next));
      if (clock.now >= until) {
        return moved;
      }
      long wait = l.reserve(next, chunk);
      moved.merge(next, chunk, Long::sum);
      readyAt.put(next, clock.now + wait);
    }
  }

  @Test
  void transfersSharingATotalTakeTurnsAndItHolds() throws Exception {
    FakeClock clock = new FakeClock();
    long start = clock.now;
    Limiter l = new Limiter(1_000_000, 0, clock);
    Map<String, Long> moved = run(l, clock, List.of("a", "b", "c"), 10_000, start + 60 * SECOND);
    long all = moved.values().stream().mapToLong(Long::longValue).sum();
    // 60 s at 1 MB/s plus the one-second burst, give or take a chunk each
    assertTrue(all <= 61_000_000 + 30_000 && all >= 61_000_000 - 30_000, moved.toString());
    for (long m : moved.values()) {
      assertTrue(Math.abs(m - all / 3) <= 10_000, "each a third, within a chunk: " + moved);
    }
  }

  @Test
  void aPeerLimitHoldsThatPeerWithoutHoldingBackTheOthers() throws Exception {
    FakeClock clock = new FakeClock();
    long start = clock.now;
    // total 1 MB/s, each peer at most 200 kB/s: a and b are capped by their own limit, not by each other
    Limiter l = new Limiter(1_000_000, 200_000, clock);
    Map<String, Long> moved = run(l, clock, List.of("a", "b"), 10_000, start + 60 * SECOND);
    for (long m : moved.values()) {
      assertTrue(m <= 61 * 200_000 + 10_000 && m >= 61 * 200_000 - 20_000, moved.toString());
    }
    // with a peer limit of 800 kB/s two peers together meet the total of 1 MB/s instead
    FakeClock c2 = new FakeClock();
    Limiter l2 = new Limiter(1_000_000, 800_000, c2);
    Map<String, Long> shared = run(l2, c2, List.of("a", "b"), 10_000, c2.now + 60 * SECOND);
    long all = shared.get("a") + shared.get("b");
    assertTrue(all <= 61_000_000 + 20_000, shared.toString());
    assertTrue(Math.abs(shared.get("a") - shared.get("b")) <= 10_000, "fair: " + shared);
  }

  @Test
  void idlePeerBucketsAreDroppedAtTheCap() {
    FakeClock clock = new FakeClock();
    Limiter l = new Limiter(0, 1000, clock);
    for (int i = 0; i < Limiter.MAX_PEERS; i++) {
      l.reserve("p" + i, 1);
    }
    clock.now += 2 * SECOND;
    // the map is full of idle buckets: a new peer gets its own full bucket, and the old ones are gone
    assertEquals(0, l.reserve("new", 1000));
    assertEquals(0, l.reserve("p0", 1000), "p0's dropped bucket comes back full");
    assertEquals(SECOND, l.reserve("p0", 1000));
  }
}
