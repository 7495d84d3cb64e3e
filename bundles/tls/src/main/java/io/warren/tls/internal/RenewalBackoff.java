package io.warren.tls.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a failed renewal is tried again: after one check interval, then twice as long after each
 * further failure, at most {@link #MAX_WAIT}; a success forgets the failures.
 */
final class RenewalBackoff {
  static final Duration MAX_WAIT = Duration.ofDays(1);
  private final Duration first;
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final Map<String, Instant> notBefore = new ConcurrentHashMap<>();

  RenewalBackoff(Duration first) {
    this.first = first;
  }

  boolean due(String hostname, Instant now) {
    Instant t = notBefore.get(hostname);
    return t == null || !now.isBefore(t);
  }

  /** Records a failure at {@code now}; returns how long until the next try. */
  Duration failed(String hostname, Instant now) {
    int n = failures.merge(hostname, 1, Integer::sum);
    Duration wait = first.multipliedBy(1L << Math.min(n - 1, 20));
    if (wait.compareTo(MAX_WAIT) > 0) {
      wait = MAX_WAIT.compareTo(first) > 0 ? MAX_WAIT : first;
    }
    notBefore.put(hostname, now.plus(wait));
    return wait;
  }

  void succeeded(String hostname) {
    failures.remove(hostname);
    notBefore.remove(hostname);
  }
}
