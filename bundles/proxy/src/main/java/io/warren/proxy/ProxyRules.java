package io.warren.proxy;

import java.time.Instant;
import java.util.List;

/** This node's proxy rules, kept in its store and active while the node runs. */
public interface ProxyRules {

  /**
   * Adds a rule and makes it active (an egress rule's listener is bound before this returns).
   *
   * @param peer the other node: a peer ID or node name (resolved through the network's peer table),
   *     or {@code nostr:<npub>}
   * @throws IllegalArgumentException saying what is wrong (bad port, unknown node, port in use ...)
   */
  Rule add(Rule.Direction direction, String bind, int port, String peer, int peerPort, Instant expires);

  /** Every rule, oldest first. */
  List<Rule> list();

  /** What each rule is doing now ("listening on ...", "bind failed: ...", connection counts). */
  String status(String id);

  /** Removes a rule and closes its listener and connections; false when there is no such rule. */
  boolean remove(String id);
}
