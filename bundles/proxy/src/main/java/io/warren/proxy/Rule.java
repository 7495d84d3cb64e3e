package io.warren.proxy;

import io.warren.api.PeerRef;
import java.time.Instant;

/**
 * One proxy rule. An egress rule listens on {@code bind:port} here and carries each connection to
 * {@code peer}, asking for its port {@code peerPort}; an ingress rule accepts such streams from
 * {@code peer} only (and, when {@code peerPort} is not 0, only from that egress port) and connects
 * them to {@code bind:port} here.
 *
 * @param id the rule's id on this node
 * @param direction egress or ingress
 * @param bind egress: the address to listen on; ingress: the host to connect to
 * @param port egress: the port to listen on; ingress: the port to connect to
 * @param peer the other node, as {@link PeerRef}'s text form {@code transport:id}
 * @param peerName the other node's name when it was added (for display)
 * @param peerPort egress: the port asked for on the other node; ingress: the origin's egress port, or 0 for any
 * @param expires when the rule goes away by itself, or {@code null}
 * @param created when it was added
 */
public record Rule(String id, Direction direction, String bind, int port, String peer, String peerName, int peerPort,
    Instant expires, Instant created) {

  /** {@link #peer()} as a reference. */
  public PeerRef peerRef() {
    return PeerRef.parse(peer);
  }

  /** Which end of a forwarded connection a rule is. */
  public enum Direction {
    EGRESS, INGRESS;

    public static Direction parse(String s) {
      return switch (s == null ? "" : s.strip().toLowerCase(java.util.Locale.ROOT)) {
        case "egress", "out" -> EGRESS;
        case "ingress", "in" -> INGRESS;
        default -> throw new IllegalArgumentException("--direction must be egress or ingress, got '" + s + "'");
      };
    }

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
