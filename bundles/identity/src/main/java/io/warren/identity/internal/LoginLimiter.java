package io.warren.identity.internal;

import io.warren.api.AuthenticationException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Password guessing limits, kept per source (an IP address, a local OS user: never something the
 * caller can mint, such as a port or a peer ID) and per account. Each key has a number of free
 * failures; after them every failure locks the key for a delay that doubles with each further
 * failure, up to a maximum. An attempt counts as a failure when its check starts (a success clears
 * the source and the account), so attempts made in parallel cannot slip past the limit together.
 * Failures older than {@link Limits#forget()} are forgotten.
 *
 * <p>The bcrypt checks themselves run at most {@link Limits#maxConcurrent()} at a time; at most
 * {@link Limits#maxQueued()} more wait, each for {@link Limits#maxWait()} at most, and any further
 * attempt is refused without a check.
 */
final class LoginLimiter {
  /** The limits; validated by the owner's configuration. */
  record Limits(int sourceFreeFailures, int accountFreeFailures, Duration firstLockout, Duration maxLockout,
      Duration forget, int maxConcurrent, int maxQueued, Duration maxWait) {}

  /** A key's state after an attempt started: its failures and how long it is locked now (0: not). */
  record Counted(int failures, long lockedMillis) {}

  /** The most sources remembered; beyond it the least recently seen is forgotten. */
  static final int MAX_SOURCES = 10_000;

  private record Entry(int failures, long lockedUntilMillis, long lastFailureMillis) {}

  private final Clock clock;
  private final Limits limits;
  private final Semaphore checks;
  private final AtomicInteger queued = new AtomicInteger();
  private final Map<String, Entry> sources = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > MAX_SOURCES;
    }
  };
  private final Map<String, Entry> accounts = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > 16;
    }
  };

  LoginLimiter(Clock clock, Limits limits) {
    this.clock = clock;
    this.limits = limits;
    this.checks = new Semaphore(limits.maxConcurrent(), true);
  }

  Limits limits() {
    return limits;
  }

  /** Refuses at once when the source or the account is locked now. */
  synchronized void checkNotLocked(String account, String source) {
    long now = clock.millis();
    refuseIfLocked(sources.get(source), now, "from " + source);
    refuseIfLocked(accounts.get(account), now, "for the admin account");
  }

  private static void refuseIfLocked(Entry e, long now, String what) {
    if (e != null && e.lockedUntilMillis() > now) {
      long seconds = (e.lockedUntilMillis() - now + 999) / 1000;
      throw new AuthenticationException(
          "too many failed admin logins " + what + "; try again in " + seconds + " s");
    }
  }

  /**
   * Waits for a check slot (bounded); the caller must {@link #release()} it.
   *
   * @throws AuthenticationException when too many checks run or wait already
   */
  void acquire() {
    if (queued.incrementAndGet() > limits.maxQueued() + limits.maxConcurrent()) {
      queued.decrementAndGet();
      throw new AuthenticationException("too many admin logins in progress; try again later");
    }
    boolean got = false;
    try {
      got = checks.tryAcquire(limits.maxWait().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!got) {
        queued.decrementAndGet();
      }
    }
    if (!got) {
      throw new AuthenticationException("too many admin logins in progress; try again later");
    }
  }

  void release() {
    queued.decrementAndGet();
    checks.release();
  }

  /**
   * Starts an attempt: refuses it when a key is locked, else counts it as a failure of both keys
   * (locking them when past their free failures) and returns the source's and the account's state.
   */
  synchronized Counted[] start(String account, String source) {
    checkNotLocked(account, source);
    long now = clock.millis();
    Counted s = count(sources, source, limits.sourceFreeFailures(), now);
    Counted a = count(accounts, account, limits.accountFreeFailures(), now);
    return new Counted[] {s, a};
  }

  private Counted count(Map<String, Entry> map, String key, int free, long now) {
    Entry e = map.get(key);
    int failures = e == null || now - e.lastFailureMillis() > limits.forget().toMillis() ? 1 : e.failures() + 1;
    long lock = 0;
    if (failures >= free) {
      int doublings = Math.min(failures - free, 30);
      lock = Math.min(limits.firstLockout().toMillis() << doublings, limits.maxLockout().toMillis());
    }
    map.put(key, new Entry(failures, now + lock, now));
    return new Counted(failures, lock);
  }

  /** The attempt was right: the source and the account start afresh. */
  synchronized void succeeded(String account, String source) {
    sources.remove(source);
    accounts.remove(account);
  }

  /** Checks running or waiting now. */
  int inProgress() {
    return queued.get();
  }
}
