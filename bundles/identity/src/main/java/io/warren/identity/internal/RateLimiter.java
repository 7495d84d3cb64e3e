package io.warren.identity.internal;

import io.warren.api.AuthenticationException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failed-attempt throttling per source: after {@link #FREE_FAILURES} failures a source waits 1 s,
 * doubling with each further failure up to {@link #MAX_LOCKOUT}; a success clears it.
 */
final class RateLimiter {
  static final int FREE_FAILURES = 5;
  static final Duration MAX_LOCKOUT = Duration.ofMinutes(15);
  private static final int MAX_SOURCES = 10_000;

  private record Entry(int failures, long lockedUntilMillis) {}

  private final Clock clock;
  private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > MAX_SOURCES;
    }
  };

  RateLimiter(Clock clock) {
    this.clock = clock;
  }

  synchronized void check(String source) {
    Entry e = entries.get(source);
    long now = clock.millis();
    if (e != null && e.lockedUntilMillis() > now) {
      long seconds = (e.lockedUntilMillis() - now + 999) / 1000;
      throw new AuthenticationException("too many failed attempts from " + source + "; try again in " + seconds + " s");
    }
  }

  synchronized void failed(String source) {
    Entry e = entries.getOrDefault(source, new Entry(0, 0));
    int failures = e.failures() + 1;
    long lock = 0;
    if (failures >= FREE_FAILURES) {
      int doublings = Math.min(failures - FREE_FAILURES, 20);
      lock = Math.min(1000L << doublings, MAX_LOCKOUT.toMillis());
    }
    entries.put(source, new Entry(failures, clock.millis() + lock));
  }

  synchronized void succeeded(String source) {
    entries.remove(source);
  }
}
