package io.warren.dashboard.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The logged-in sessions: a random id (the cookie) to the admin user, its CSRF token and when it
 * lapses. At most {@value #MAX} at once; one more drops the oldest. Each use moves the lapse on.
 */
final class Sessions {
  static final int MAX = 64;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A login: the cookie's id, who, and the token every action must carry. */
  record Session(String id, String user, String csrf) {
    /** Whether {@code token} is this session's CSRF token (compared in constant time). */
    boolean csrfMatches(String token) {
      return token != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
          token.getBytes(StandardCharsets.UTF_8));
    }
  }

  private record Entry(Session session, Instant lapses) {}

  private final Map<String, Entry> byId = new LinkedHashMap<>();
  private final Duration idle;
  private final Clock clock;

  Sessions(Duration idle, Clock clock) {
    this.idle = idle;
    this.clock = clock;
  }

  synchronized Session open(String user) {
    purge();
    if (byId.size() >= MAX) {
      Iterator<String> oldest = byId.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    Session s = new Session(token(), user, token());
    byId.put(s.id(), new Entry(s, clock.instant().plus(idle)));
    return s;
  }

  /** The live session of cookie value {@code id}, its lapse moved on; empty when unknown or lapsed. */
  synchronized Optional<Session> find(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Entry e = byId.get(id);
    if (e == null) {
      return Optional.empty();
    }
    if (!e.lapses().isAfter(clock.instant())) {
      byId.remove(id);
      return Optional.empty();
    }
    byId.put(id, new Entry(e.session(), clock.instant().plus(idle)));
    return Optional.of(e.session());
  }

  /** Whether cookie value {@code id} is a live session, without moving its lapse on. */
  synchronized boolean live(String id) {
    Entry e = id == null ? null : byId.get(id);
    return e != null && e.lapses().isAfter(clock.instant());
  }

  synchronized void close(String id) {
    if (id != null) {
      byId.remove(id);
    }
  }

  synchronized int size() {
    purge();
    return byId.size();
  }

  private void purge() {
    Instant now = clock.instant();
    byId.values().removeIf(e -> !e.lapses().isAfter(now));
  }

  private static String token() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
