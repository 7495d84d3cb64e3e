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

  /**
   * Whether rule {@code id}'s other node (an egress rule's target, an ingress rule's origin: the
   * edge that sends connections here) answered its last health check over the overlay, since when,
   * and what the check found; {@code since} is null before the first check, and so is the answer
   * for no such rule.
   */
  PeerHealth peerHealth(String id);

  /** See {@link #peerHealth}. */
  record PeerHealth(boolean live, Instant since, String detail) {}

  /** Removes a rule and closes its listener and connections; false when there is no such rule. */
  boolean remove(String id);
}
