package io.warren.files.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * Byte rates for one direction: a total one and one for each peer, each a token bucket that holds
 * at most one second of bytes. A transfer reserves its next chunk before it moves it and waits until
 * every bucket it passes has room; buckets are charged in the order transfers ask, so transfers that
 * each reserve one chunk at a time take turns (round-robin), and a peer held back by its own limit
 * does not hold the others back. Time comes from a {@link Clock}, so tests run it without waiting.
 */
final class Limiter {
  /** Most peer buckets kept; beyond it, the ones idle for a second (full, like new ones) are dropped. */
  static final int MAX_PEERS = 1024;
  private static final long SECOND = 1_000_000_000L;

  interface Clock {
    long nanos();

    void sleep(long nanos) throws InterruptedException;

    Clock SYSTEM = new Clock() {
      @Override
      public long nanos() {
        return System.nanoTime();
      }

      @Override
      public void sleep(long nanos) throws InterruptedException {
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
      }
    };
  }

  /** One rate: {@code free} is when its next byte may go; it lags now by at most a second (the burst). */
  private static final class Bucket {
    final long rate;
    long free;

    Bucket(long rate, long now) {
      this.rate = rate;
      this.free = now - SECOND;
    }

    /** Charges {@code bytes}; returns when the bucket will have held them, the moment they may go. */
    long take(long now, long bytes) {
      free = Math.max(free, now - SECOND) + bytes * SECOND / rate;
      return free;
    }
  }

  private final long totalRate;
  private final long peerRate;
  private final Clock clock;
  private final Bucket total;
  private final Map<String, Bucket> peers = new HashMap<>();

  /** Rates in bytes per second, 0 for none. */
  Limiter(long totalRate, long peerRate, Clock clock) {
    this.totalRate = totalRate;
    this.peerRate = peerRate;
    this.clock = clock;
    this.total = totalRate > 0 ? new Bucket(totalRate, clock.nanos()) : null;
  }

  /** Charges {@code bytes} to {@code peer} and the total; returns how long to wait before moving them. */
  synchronized long reserve(String peer, long bytes) {
    long now = clock.nanos();
    long at = now;
    if (total != null) {
      at = Math.max(at, total.take(now, bytes));
    }
    if (peerRate > 0) {
      if (peers.size() >= MAX_PEERS && !peers.containsKey(peer)) {
        peers.values().removeIf(b -> b.free <= now - SECOND);
      }
      at = Math.max(at, peers.computeIfAbsent(peer, p -> new Bucket(peerRate, now)).take(now, bytes));
    }
    return at - now;
  }

  /** The limit one transfer with {@code peer} waits on before each chunk. */
  Sender.Limit of(String peer) {
    if (totalRate <= 0 && peerRate <= 0) {
      return bytes -> {};
    }
    return bytes -> {
      long wait = reserve(peer, bytes);
      if (wait > 0) {
        clock.sleep(wait);
      }
    };
  }
}
