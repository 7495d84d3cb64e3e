package io.warren.deploy.internal;

import io.warren.deploy.DeployException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Upload tokens: {@code deploy:receive}, run by the pushing node with this node's admin
 * authorisation, lets one peer upload one artifact of a given size and digest. A token lives
 * {@link #TTL} from its issue and from the start and end of each stream that uses it (so a dropped
 * upload can resume on a new stream), never longer than {@link #MAX_LIFE} in all, and is spent when
 * the artifact came whole. At most {@link #MAX} are outstanding; one more is refused. The bytes
 * received so far are a {@link Partial} in the staging directory, named by the artifact's SHA-256 and
 * the peer; files there untouched for {@link #STALE} are deleted.
 */
final class Uploads {
  static final Duration TTL = Duration.ofMinutes(1);
  static final Duration MAX_LIFE = Duration.ofMinutes(10);
  static final Duration STALE = Duration.ofHours(1);
  static final int MAX = 4;

  /** What a token allows, and where its bytes go. */
  record Upload(String token, String peer, long size, String digest, boolean force, Partial partial) {}

  private static final class Live {
    final Upload upload;
    final Instant issued;
    Instant until;

    Live(Upload upload, Instant issued) {
      this.upload = upload;
      this.issued = issued;
      this.until = issued.plus(TTL);
    }
  }

  private final InstantSource clock;
  private final Path staging;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Live> live = new LinkedHashMap<>();
  private final Map<String, Partial> partials = new HashMap<>();

  Uploads(InstantSource clock, Path staging) {
    this.clock = clock;
    this.staging = staging;
  }

  synchronized Upload issue(String peer, long size, String digest, boolean force) {
    expire();
    if (live.size() >= MAX) {
      throw new DeployException("too many uploads outstanding (" + MAX + "); try again in a minute");
    }
    byte[] t = new byte[16];
    random.nextBytes(t);
    String key = key(peer, digest);
    Partial p = partials.computeIfAbsent(key, k -> new Partial(staging.resolve(k + ".part"), size));
    Upload u = new Upload(HexFormat.of().formatHex(t), peer, size, digest, force, p);
    live.put(u.token(), new Live(u, clock.instant()));
    return u;
  }

  /**
   * The live upload of {@code token} if {@code peer} is the one it was issued to, its life extended
   * (a stream starts or ends on it).
   */
  synchronized Optional<Upload> attach(String token, String peer) {
    expire();
    Live l = live.get(token);
    if (l == null || !l.upload.peer().equals(peer)) {
      return Optional.empty();
    }
    extend(l);
    return Optional.of(l.upload);
  }

  /** A stream on {@code token} ended before the artifact was whole: the token lives on for a resume. */
  synchronized void detached(String token) {
    Live l = live.get(token);
    if (l != null) {
      extend(l);
    }
  }

  /** The artifact of {@code token} came whole: the token is spent. */
  synchronized void spent(Upload u) {
    live.remove(u.token());
    if (live.values().stream().noneMatch(l -> l.upload.partial() == u.partial())) {
      partials.values().remove(u.partial());
    }
  }

  /**
   * The whole artifact of {@code u}: its token spent, its staging file read and deleted. Refused
   * when the bytes do not have the announced SHA-256 (a resume starts from nothing then). Blocks.
   */
  byte[] whole(Upload u) {
    spent(u);
    byte[] content;
    try {
      content = u.partial().take();
    } catch (IOException e) {
      throw new DeployException("refused: the upload's staging file cannot be read: " + e.getMessage(), e);
    }
    if (!Deployments.sha256(content).equals(u.digest())) {
      throw new DeployException("refused: the bytes received do not have the announced SHA-256");
    }
    return content;
  }

  private void extend(Live l) {
    Instant cap = l.issued.plus(MAX_LIFE);
    Instant next = clock.instant().plus(TTL);
    l.until = next.isAfter(cap) ? cap : next;
  }

  /** Deletes staged files untouched for {@link #STALE} that no live token is writing to. */
  synchronized void purge() {
    if (!Files.isDirectory(staging)) {
      return;
    }
    expire();
    Instant old = clock.instant().minus(STALE);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(staging, "*.part")) {
      for (Path f : files) {
        Partial p = partials.get(f.getFileName().toString().replace(".part", ""));
        if ((p == null || !p.owned()) && Files.getLastModifiedTime(f).toInstant().isBefore(old)) {
          Files.deleteIfExists(f);
          if (p != null && live.values().stream().noneMatch(l -> l.upload.partial() == p)) {
            partials.values().remove(p);
          }
        }
      }
    } catch (IOException e) {
      throw new DeployException("cannot clean the upload staging directory " + staging + ": " + e.getMessage(), e);
    }
  }

  private void expire() {
    Instant now = clock.instant();
    for (Iterator<Live> i = live.values().iterator(); i.hasNext();) {
      Live l = i.next();
      if (!now.isBefore(l.until) && !l.upload.partial().owned()) {
        i.remove();
      }
    }
  }

  /** A staging file's name: the artifact's SHA-256 and a digest of the peer's ID (IDs are not all file-name safe). */
  private static String key(String peer, String digest) {
    return digest + "-" + Deployments.sha256(peer.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
  }
}
