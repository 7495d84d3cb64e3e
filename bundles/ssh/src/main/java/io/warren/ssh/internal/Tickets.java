package io.warren.ssh.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One-time SSH passwords for {@code ssh:shell}: a ticket is issued to one peer (by an admin call
 * that peer made with this node's admin authorisation), lets that peer open one overlay stream to
 * the SSH server and log in once with it, and is gone after that login or after {@link #TTL},
 * whichever comes first. At most {@link #MAX} are outstanding.
 */
final class Tickets {
  static final Duration TTL = Duration.ofSeconds(60);
  static final int MAX = 64;

  private record Ticket(String peer, byte[] secret, long expires) {}

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Ticket> bySecret = new LinkedHashMap<>();

  Tickets(Clock clock) {
    this.clock = clock;
  }

  /** A fresh ticket for {@code peer}: the one-time password. */
  synchronized String issue(String peer) {
    expire();
    if (bySecret.size() >= MAX) {
      throw new IllegalStateException("too many ssh:shell tickets outstanding (" + MAX + "); try again in a minute");
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    bySecret.put(secret, new Ticket(peer, secret.getBytes(StandardCharsets.US_ASCII), clock.millis() + TTL.toMillis()));
    return secret;
  }

  /** Whether {@code peer} holds a live ticket (it may open an overlay stream to the server). */
  synchronized boolean holds(String peer) {
    expire();
    return bySecret.values().stream().anyMatch(t -> t.peer().equals(peer));
  }

  /** Uses up the ticket {@code password} names, if it is live; returns whether it was. */
  synchronized boolean redeem(String password) {
    expire();
    byte[] given = password.getBytes(StandardCharsets.US_ASCII);
    for (Iterator<Ticket> i = bySecret.values().iterator(); i.hasNext();) {
      Ticket t = i.next();
      if (MessageDigest.isEqual(t.secret(), given)) {
        i.remove();
        return true;
      }
    }
    return false;
  }

  /** Live tickets. */
  synchronized int outstanding() {
    expire();
    return bySecret.size();
  }

  private void expire() {
    long now = clock.millis();
    bySecret.values().removeIf(t -> t.expires() <= now);
  }
}
