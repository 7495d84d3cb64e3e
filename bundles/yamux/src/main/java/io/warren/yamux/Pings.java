package io.warren.yamux;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/** A session's pings in flight and the last measured round-trip time. Event loop only, except {@link #rttNanos}. */
final class Pings {
  private record Pending(long start, CompletableFuture<Duration> result) {}

  private final LongSupplier clock;
  private final Map<Integer, Pending> pending = new HashMap<>();
  private int nextId;
  private volatile long rttNanos = -1;

  Pings(LongSupplier clock) {
    this.clock = clock;
  }

  /** Registers a ping; returns the opaque value to send. */
  int start(CompletableFuture<Duration> result) {
    int id = nextId++;
    pending.put(id, new Pending(clock.getAsLong(), result));
    return id;
  }

  /** The peer answered ping {@code id}; unknown ids are ignored. */
  void answered(int id) {
    Pending p = pending.remove(id);
    if (p != null) {
      long rtt = Math.max(0, clock.getAsLong() - p.start());
      rttNanos = rtt;
      p.result().complete(Duration.ofNanos(rtt));
    }
  }

  /** Last measured round-trip time in nanoseconds, or -1 before the first answer. */
  long rttNanos() {
    return rttNanos;
  }

  void failAll(IOException cause) {
    pending.values().forEach(p -> p.result().completeExceptionally(cause));
    pending.clear();
  }
}
