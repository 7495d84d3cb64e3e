package io.warren.ssh.internal;

import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * One-time public keys for {@code ssh:shell}: the calling node makes a fresh key pair, and a ticket
 * (issued by an admin call that node made with this node's admin authorisation) lets that node open
 * overlay streams to the SSH server and log in once with that key. Nothing secret crosses the
 * network. A ticket is gone after its login or after {@link #TTL}, whichever comes first; at most
 * {@link #MAX} are outstanding.
 */
final class Tickets {
  static final Duration TTL = Duration.ofSeconds(60);
  static final int MAX = 64;

  /** One ticket: who asked for it, the key it lets log in once, until when. */
  record Ticket(String peer, PublicKey key, long expires) {}

  private final Clock clock;
  private final List<Ticket> live = new ArrayList<>();

  Tickets(Clock clock) {
    this.clock = clock;
  }

  /** Lets {@code key} log in once, within {@link #TTL}, over a stream from {@code peer}. */
  synchronized void issue(String peer, PublicKey key) {
    expire();
    if (live.size() >= MAX) {
      throw new IllegalStateException("too many ssh:shell tickets outstanding (" + MAX + "); try again in a minute");
    }
    live.add(new Ticket(peer, key, clock.millis() + TTL.toMillis()));
  }

  /** Whether {@code peer} holds a live ticket (it may open an overlay stream to the server). */
  synchronized boolean holds(String peer) {
    expire();
    return live.stream().anyMatch(t -> t.peer().equals(peer));
  }

  /** The live ticket of {@code key}, if any; it stays until {@link #used}. */
  synchronized Optional<Ticket> find(PublicKey key) {
    expire();
    return live.stream().filter(t -> KeyUtils.compareKeys(t.key(), key)).findFirst();
  }

  /** The ticket logged in: it is gone. */
  synchronized void used(Ticket t) {
    live.remove(t);
  }

  /** Live tickets. */
  synchronized int outstanding() {
    expire();
    return live.size();
  }

  private void expire() {
    long now = clock.millis();
    live.removeIf(t -> t.expires() <= now);
  }
}
