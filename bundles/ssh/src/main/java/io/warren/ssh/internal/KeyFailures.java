package io.warren.ssh.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Refused public keys per source (an IP address), the SSH side of the node's login limits: the
 * node's {@code AdminAuthenticator} limits passwords, and this limits key guessing the same way. A
 * source has {@link #FREE} refused keys; after them each refusal locks it for a delay that doubles,
 * from {@link #FIRST} up to {@link #MAX}, and while it is locked every login from it (key or
 * password) is refused without a check. A successful login clears the source; refusals older than
 * {@link #FORGET} are forgotten, and at most {@link #MAX_SOURCES} sources are remembered.
 */
final class KeyFailures {
  static final int FREE = 10;
  static final Duration FIRST = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofMinutes(15);
  static final Duration FORGET = Duration.ofHours(1);
  static final int MAX_SOURCES = 10_000;

  private record Entry(int failures, long lockedUntil, long last) {}

  private final Clock clock;
  private final Map<String, Entry> sources = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > MAX_SOURCES;
    }
  };

  KeyFailures(Clock clock) {
    this.clock = clock;
  }

  /** How long {@code source} is still locked, in milliseconds; 0 when it may try. */
  synchronized long locked(String source) {
    Entry e = sources.get(source);
    return e == null ? 0 : Math.max(0, e.lockedUntil() - clock.millis());
  }

  /** A key from {@code source} was refused; returns how long the source is locked now (0: not). */
  synchronized long failed(String source) {
    long now = clock.millis();
    Entry e = sources.get(source);
    int failures = e == null || now - e.last() > FORGET.toMillis() ? 1 : e.failures() + 1;
    long lock = 0;
    if (failures >= FREE) {
      lock = Math.min(FIRST.toMillis() << Math.min(failures - FREE, 30), MAX.toMillis());
    }
    sources.put(source, new Entry(failures, now + lock, now));
    return lock;
  }

  /** A login from {@code source} succeeded: it starts afresh. */
  synchronized void succeeded(String source) {
    sources.remove(source);
  }
}
