package io.warren.api;

import java.util.List;
import java.util.concurrent.CompletionStage;

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
}
