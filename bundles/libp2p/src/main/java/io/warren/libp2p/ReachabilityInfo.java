package io.warren.libp2p;

import java.time.Instant;
import java.util.List;

/**
 * What this node knows about whether peers can dial it, and how they reach it meanwhile.
 *
 * @param status {@code public}, {@code private} or {@code unknown}
 * @param source what decided it: {@code configured}, {@code no listen address} or {@code AutoNAT}
 * @param reached peers whose AutoNAT dial-back reached this node (their latest answers)
 * @param unreached peers whose AutoNAT dial-back did not
 * @param asking peers asked and not answered yet
 * @param since when the status became what it is (the transport's start while it is unchanged)
 * @param reservations relay reservations held now
 * @param circuitAddresses where peers reach this node through those relays, each ending in
 *     {@code /p2p-circuit/p2p/<this node>}
 * @param circuitSince since when this node has held a reservation without a break; null when it holds none
 */
public record ReachabilityInfo(String status, String source, int reached, int unreached, int asking, Instant since,
    int reservations, List<String> circuitAddresses, Instant circuitSince) {
  public ReachabilityInfo {
    circuitAddresses = List.copyOf(circuitAddresses);
  }

  /** One line: the status, then why in parentheses (the form of {@link Libp2pNode#reachability()}). */
  public String summary() {
    if (!source.equals("AutoNAT")) {
      return status + " (" + source + ")";
    }
    String why;
    if (reached + unreached == 0) {
      why = asking > 0 ? "asking " + asking + (asking == 1 ? " peer" : " peers") : "not checked yet";
    } else {
      why = reached + " of " + (reached + unreached) + " peers could dial this node back"
          + (asking > 0 ? ", asking " + asking + " more" : "");
    }
    return status + " (AutoNAT: " + why + ")";
  }
}
