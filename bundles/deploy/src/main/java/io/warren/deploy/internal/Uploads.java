package io.warren.deploy.internal;

import io.warren.deploy.DeployException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One-time upload tokens: {@code deploy:receive}, run by the pushing node with this node's admin
 * authorisation, lets one peer upload one artifact of a given size and digest within {@link #TTL}.
 * At most {@link #MAX} are outstanding; one more is refused.
 */
final class Uploads {
  static final Duration TTL = Duration.ofMinutes(1);
  static final int MAX = 4;

  /** What a token allows. */
  record Upload(String token, String peer, long size, String digest, boolean force, Instant until) {}

  private final InstantSource clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Upload> live = new LinkedHashMap<>();

  Uploads(InstantSource clock) {
    this.clock = clock;
  }

  synchronized Upload issue(String peer, long size, String digest, boolean force) {
    expire();
    if (live.size() >= MAX) {
      throw new DeployException("too many uploads outstanding (" + MAX + "); try again in a minute");
    }
    byte[] t = new byte[16];
    random.nextBytes(t);
    Upload u = new Upload(HexFormat.of().formatHex(t), peer, size, digest, force, clock.instant().plus(TTL));
    live.put(u.token(), u);
    return u;
  }

  /** Takes the live upload of {@code token} if {@code peer} is the one it was issued to. */
  synchronized Optional<Upload> take(String token, String peer) {
    expire();
    Upload u = live.get(token);
    if (u == null || !u.peer().equals(peer)) {
      return Optional.empty();
    }
    live.remove(token);
    return Optional.of(u);
  }

  private void expire() {
    Instant now = clock.instant();
    for (Iterator<Upload> i = live.values().iterator(); i.hasNext();) {
      if (!now.isBefore(i.next().until())) {
        i.remove();
      }
    }
  }
}
