package io.warren.iot.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Password checks a source (an IP address) may cause: {@value #CHECKS_PER_SOURCE} at once, and
 * after {@value #FREE_FAILURES} failures in a row the source is refused without a check for 1 s,
 * doubling with each further failure up to 5 minutes; a success clears it. At most
 * {@value #MAX_SOURCES} sources are remembered (the least recently seen forgotten first).
 */
final class LoginLimits {
  static final int CHECKS_PER_SOURCE = 2;
  static final int FREE_FAILURES = 5;
  static final long FIRST_LOCK_MILLIS = 1_000;
  static final long MAX_LOCK_MILLIS = 300_000;
  static final int MAX_SOURCES = 10_000;

  private static final class Source {
    int failures;
    int checking;
    long lockedUntil;
  }

  private final Map<String, Source> sources = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Source> eldest) {
      return size() > MAX_SOURCES;
    }
  };

  /** Null when {@code source} may have a check now (counted until {@link #done}); otherwise why not. */
  synchronized String admit(String source, long nowMillis) {
    Source s = sources.computeIfAbsent(source, k -> new Source());
    if (s.lockedUntil > nowMillis) {
      return "locked for " + (s.lockedUntil - nowMillis + 999) / 1000 + " s after " + s.failures + " failed logins";
    }
    if (s.checking >= CHECKS_PER_SOURCE) {
      return CHECKS_PER_SOURCE + " password checks already running for this source";
    }
    s.checking++;
    return null;
  }

  synchronized void done(String source, boolean ok, long nowMillis) {
    Source s = sources.computeIfAbsent(source, k -> new Source());
    s.checking = Math.max(0, s.checking - 1);
    if (ok) {
      s.failures = 0;
      s.lockedUntil = 0;
      return;
    }
    s.failures++;
    if (s.failures >= FREE_FAILURES) {
      int over = Math.min(s.failures - FREE_FAILURES, 20);
      s.lockedUntil = nowMillis + Math.min(MAX_LOCK_MILLIS, FIRST_LOCK_MILLIS << over);
    }
  }
}
