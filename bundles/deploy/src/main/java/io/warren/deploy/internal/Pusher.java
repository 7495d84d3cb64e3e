package io.warren.deploy.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.api.TransportException;
import io.warren.deploy.DeployException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pushing side, written once for {@code deploy:push}, {@code deploy:update-node} and rollouts:
 * asks the target for an upload token with an admin call ({@code deploy:receive}, through
 * {@link RemoteAdmin}, so with the target's admin authorisation), sends the artifact on a
 * {@value DeployService#PROTOCOL} stream and answers the target's report. When the stream drops (or
 * the target cannot be reached for the token), it tries again for up to {@code resume} (a second
 * apart, then up to {@link #BACKOFF} apart) with the same token: the target answers what it holds
 * already and only the rest travels. Blocks; keep it off event loops.
 */
final class Pusher {
  static final Duration CALL = Duration.ofSeconds(30);
  static final Duration ANSWER = Duration.ofMinutes(5);
  static final Duration BACKOFF = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(Pusher.class);

  private final PeerDirectory directory;
  private final NodeIdentity identity;
  private final RemoteAdmin remote;
  private final Duration resume;

  Pusher(PeerDirectory directory, NodeIdentity identity, RemoteAdmin remote, Duration resume) {
    this.directory = directory;
    this.identity = identity;
    this.remote = remote;
    this.resume = resume;
  }

  /** The peer {@code node} names, refused when it is this node. */
  PeerRef target(String node) {
    PeerRef peer = directory.resolve(node);
    if (peer.id().equals(identity.peerId())) {
      throw new IllegalArgumentException(node + " is this node");
    }
    return peer;
  }

  /** Runs {@code command} on {@code node} as an admin call and answers what it printed. */
  String call(String node, List<String> command, String credentials) throws Exception {
    return remote.runAndWait(node, command, credentials, CALL);
  }

  /** Pushes {@code content} to {@code node}; answers the target's report or throws its refusal or failure. */
  String push(String node, byte[] content, String credentials, boolean force) throws Exception {
    PeerRef peer = target(node);
    List<String> call = new ArrayList<>(List.of("deploy:receive"));
    if (force) {
      call.add("--force");
    }
    call.addAll(List.of(identity.peerId(), Long.toString(content.length), Deployments.sha256(content)));
    long deadline = System.nanoTime() + resume.toNanos();
    String answer;
    for (int attempt = 1;; attempt++) {
      try {
        answer = call(peer.id(), call, credentials);
        break;
      } catch (TransportException e) {
        pause(node, deadline, attempt, e, "cannot reach it for an upload token");
      }
    }
    String[] lines = answer.strip().split("\n");
    String token = lines[lines.length - 1].strip();
    if (!token.matches("[0-9a-f]{32}")) {
      throw new IllegalStateException(node + " answered no upload token: " + answer);
    }
    List<String> resumed = new ArrayList<>();
    for (int attempt = 1;; attempt++) {
      AtomicLong at = new AtomicLong(-1);
      boolean again = attempt > 1;
      try {
        String report = Push.send(directory, peer, token, content, offset -> {
          at.set(offset);
          if (again) {
            LOG.info("deploy: resuming the upload to {} at {} of {} bytes", node, offset, content.length);
            resumed.add(Long.toString(offset));
          }
        }).toCompletableFuture().get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
        return resumed.isEmpty() ? report : report + "\nthe connection dropped; resumed at " + String.join(", ",
            resumed) + " of " + content.length + " bytes";
      } catch (ExecutionException e) {
        Throwable c = e.getCause() instanceof CompletionException x && x.getCause() != null ? x.getCause()
            : e.getCause();
        if (!(c instanceof Push.Dropped d)) {
          throw new DeployException(c.getMessage(), c);
        }
        pause(node, deadline, attempt, d, "the upload dropped" + (at.get() < 0 ? "" : " (this stream began at "
            + at.get() + " bytes)"));
      } catch (TimeoutException e) {
        throw new TimeoutException(node + " did not report within " + ANSWER.toMinutes() + " min");
      }
    }
  }

  /** Waits before attempt {@code attempt + 1}, or throws {@code why} when the resume window is over. */
  private void pause(String node, long deadline, int attempt, Exception cause, String why) throws Exception {
    long wait = Math.min(BACKOFF.toMillis(), 1000L * attempt);
    if (System.nanoTime() + wait * 1_000_000 - deadline > 0) {
      if (resume.isZero()) {
        throw cause instanceof DeployException ? cause : new DeployException(why + ": " + cause.getMessage(), cause);
      }
      throw new DeployException(node + ": " + why + ", and it did not resume within " + resume.toSeconds()
          + " s (resume.seconds): " + cause.getMessage(), cause);
    }
    LOG.info("deploy: {} to {}: {}; trying again in {} ms", why, node, cause.getMessage(), wait);
    Thread.sleep(wait);
  }

  /** Whether a report (its first line) says the push changed the target. */
  static boolean changed(String report) {
    String first = report.lines().findFirst().orElse("");
    return !first.endsWith("already installed, nothing changed");
  }
}
