package io.warren.api;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs console commands on another node of this node's networks, with that node's admin
 * authorization. Commands that take {@code --node <peer>} use it, so every operation is written
 * once and reached from any node.
 */
public interface RemoteAdmin {

  /**
   * Runs {@code command} (its words, e.g. {@code ["node:metrics"]}) on {@code node}, a peer ID or
   * a node name from the network's peer table.
   *
   * @param credentials the other node's admin credentials as {@code user:password}, or
   *     {@code null} to rely on a standing grant that node's admin gave this node
   *     ({@code net:trust <this node> admin})
   * @return a stage that completes with what the command printed, or exceptionally with
   *     {@link AuthenticationException} when the node refused the authorization,
   *     {@link TransportException} when it cannot be reached, or {@link RemoteCommandException}
   *     when the command itself failed there
   */
  CompletionStage<String> run(String node, List<String> command, String credentials);

  /**
   * The other nodes of this node's networks that {@link #run} can address, by name where they have
   * one (else peer ID), for commands that fan out to every node ({@code node:metrics --all}).
   *
   * @since 1.4
   */
  default List<String> nodes() {
    return List.of();
  }

  /**
   * {@link #run} for console commands: waits up to {@code timeout} and throws what the stage failed
   * with (so the console prints that node's own message), or a {@link TimeoutException} naming the
   * node. An empty {@code credentials} means none.
   */
  default String runAndWait(String node, List<String> command, String credentials, Duration timeout)
      throws Exception {
    try {
      return run(node, command, credentials == null || credentials.isEmpty() ? null : credentials)
          .toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS).stripTrailing();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new TimeoutException(node + " did not answer within " + timeout.toSeconds() + " s");
    }
  }
}
