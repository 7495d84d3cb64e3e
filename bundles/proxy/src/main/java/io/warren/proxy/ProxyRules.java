package io.warren.proxy;

import io.warren.api.PeerRef;
import java.time.Instant;
import java.util.List;

/** This node's proxy rules, kept in its store and active while the node runs. */
public interface ProxyRules {

  /**
   * Adds a rule and makes it active (an egress rule's listener is bound before this returns).
   *
   * @param peer the other node, as the {@link io.warren.api.PeerDirectory} resolved what the user typed
   * @throws IllegalArgumentException saying what is wrong (bad port, this node, port in use ...)
   */
  Rule add(Rule.Direction direction, String bind, int port, PeerRef peer, int peerPort, Instant expires);

  /** Every rule, oldest first. */
  List<Rule> list();

  /** What each rule is doing now ("listening on ...", "bind failed: ...", connection counts). */
  String status(String id);

  /** Removes a rule and closes its listener and connections; false when there is no such rule. */
  boolean remove(String id);
}
