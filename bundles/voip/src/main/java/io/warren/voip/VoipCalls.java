package io.warren.voip;

import java.util.List;

/** Calls between peers with media through a relay node, and this node's own media relay. */
public interface VoipCalls {

  /**
   * Calls {@code peer} (a node name, peer ID or device): a relay node ({@code relay}, or this node
   * when null) allocates a port pair per leg, the callee is offered its leg and answers. Blocks
   * until it did.
   *
   * @throws IllegalArgumentException saying why when the peer, the relay or the callee refused
   */
  Call call(String peer, String relay);

  /** This node's calls and the sessions its relay carries, with the relay's counters. */
  List<Call> calls();

  /** Ends a call (by its id or a unique prefix): the relay frees its ports, the other side is told. */
  Call hangup(String id);
}
