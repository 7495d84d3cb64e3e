package io.warren.libp2p.internal.dcutr;

import io.warren.api.PeerId;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * How many DCUtR dial rounds (a unilateral dial of a peer's addresses, or one hole punch to up to
 * {@link Dcutr#MAX_ADDRS} addresses) peers can make this node run: at most {@code perPeer} per
 * peer and {@code total} for all peers in any minute. A peer that relays in again and again, or
 * sends CONNECT/SYNC in a loop, cannot turn this node into a dialer of addresses it chose. Sliding
 * window of timestamps; remembers at most {@link #MAX_PEERS} peers (a new one over that is refused
 * until old entries expire).
 */
public final class DialBudget {
  static final int MAX_PEERS = 4096;
  static final long WINDOW = Duration.ofMinutes(1).toNanos();

  private final int perPeer;
  private final int total;
  private final LongSupplier nanoClock;
  private final ArrayDeque<Long> all = new ArrayDeque<>();
  private final Map<PeerId, ArrayDeque<Long>> byPeer = new HashMap<>();

  /** At most {@code perPeer} rounds per peer and {@code total} rounds for all peers in any minute. */
  public DialBudget(int perPeer, int total) {
    this(perPeer, total, System::nanoTime);
  }

  DialBudget(int perPeer, int total, LongSupplier nanoClock) {
    if (perPeer < 1 || total < 1) {
      throw new IllegalArgumentException("dcutr dial limits must be at least 1, got " + perPeer + " per peer and "
          + total + " in total");
    }
    this.perPeer = perPeer;
    this.total = total;
    this.nanoClock = nanoClock;
  }

  public int perPeer() {
    return perPeer;
  }

  public int total() {
    return total;
  }

  /** Takes one round for {@code peer}; false if its budget or the total is spent for now. */
  public synchronized boolean tryAcquire(PeerId peer) {
    long now = nanoClock.getAsLong();
    expire(all, now);
    byPeer.values().removeIf(q -> {
      expire(q, now);
      return q.isEmpty();
    });
    ArrayDeque<Long> mine = byPeer.get(peer);
    if (all.size() >= total || (mine != null && mine.size() >= perPeer)
        || (mine == null && byPeer.size() >= MAX_PEERS)) {
      return false;
    }
    all.add(now);
    byPeer.computeIfAbsent(peer, p -> new ArrayDeque<>()).add(now);
    return true;
  }

  private static void expire(ArrayDeque<Long> q, long now) {
    while (!q.isEmpty() && now - q.peekFirst() >= WINDOW) {
      q.pollFirst();
    }
  }
}
