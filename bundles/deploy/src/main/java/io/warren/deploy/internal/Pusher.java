package io.warren.deploy.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.deploy.DeployException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The pushing side, written once for {@code deploy:push}, {@code deploy:update-node} and rollouts:
 * asks the target for an upload token with an admin call ({@code deploy:receive}, through
 * {@link RemoteAdmin}, so with the target's admin authorisation), sends the artifact on a
 * {@value DeployService#PROTOCOL} stream and answers the target's report. Blocks; keep it off event loops.
 */
final class Pusher {
  static final Duration CALL = Duration.ofSeconds(30);
  static final Duration ANSWER = Duration.ofMinutes(5);

  private final PeerDirectory directory;
  private final NodeIdentity identity;
  private final RemoteAdmin remote;

  Pusher(PeerDirectory directory, NodeIdentity identity, RemoteAdmin remote) {
    this.directory = directory;
    this.identity = identity;
    this.remote = remote;
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
    String answer = call(peer.id(), call, credentials);
    String[] lines = answer.strip().split("\n");
    String token = lines[lines.length - 1].strip();
    if (!token.matches("[0-9a-f]{32}")) {
      throw new IllegalStateException(node + " answered no upload token: " + answer);
    }
    try {
      return Push.send(directory, peer, token, content).toCompletableFuture().get(ANSWER.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause() instanceof CompletionException x && x.getCause() != null ? x.getCause()
          : e.getCause();
      throw new DeployException(c.getMessage(), c);
    } catch (TimeoutException e) {
      throw new TimeoutException(node + " did not report within " + ANSWER.toMinutes() + " min");
    }
  }

  /** Whether a report (its first line) says the push changed the target. */
  static boolean changed(String report) {
    String first = report.lines().findFirst().orElse("");
    return !first.endsWith("already installed, nothing changed");
  }
}
