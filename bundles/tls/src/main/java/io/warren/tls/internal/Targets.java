package io.warren.tls.internal;

import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.PeerHealth;
import io.warren.tls.TlsCertificates.Route;
import io.warren.tls.TlsCertificates.Target;
import io.warren.tls.TlsCertificates.TargetState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of a route's targets a new connection tries, in which order: the targets whose node
 * answered its last health check ({@link PeerHealth}, over the overlay) first, in the route's
 * order, then the others in the route's order (so when every check failed, each is still tried).
 * A {@code localhost} target is always live, and so is a node not reached by libp2p (not checked). A connection that could not reach a target marks its
 * node not live until a check answers again.
 */
final class Targets implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Targets.class);

  private final PeerHealth health;

  Targets(PeerDirectory directory, EventLoops loops, Supplier<? extends Collection<Route>> routes, Duration every) {
    Supplier<List<PeerRef>> peers = () -> routes.get().stream().flatMap(r -> r.targets().stream())
        .map(Targets::peer).filter(java.util.Objects::nonNull).distinct().toList();
    this.health = new PeerHealth(directory, loops, peers, every, every);
  }

  /** {@code r}'s targets in the order a new connection tries them. */
  List<Target> order(Route r) {
    List<Target> live = new ArrayList<>();
    List<Target> rest = new ArrayList<>();
    for (Target t : r.targets()) {
      (live(t) ? live : rest).add(t);
    }
    live.addAll(rest);
    return live;
  }

  /**
   * {@code t}'s node when it is checked: null for {@code localhost}, a node not reached by libp2p
   * (ping is libp2p's) and a stored peer that no longer parses.
   */
  private static PeerRef peer(Target t) {
    if (!t.peer().startsWith(PeerRef.LIBP2P + ":")) {
      return null;
    }
    try {
      return PeerRef.parse(t.peer());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Whether {@code t}'s node answered its last check. */
  boolean live(Target t) {
    PeerRef p = peer(t);
    return p == null || health.live(p);
  }

  /** A connection could not reach {@code t}: its node is not live until a check answers. */
  void failed(Target t, String why) {
    PeerRef p = peer(t);
    if (p != null) {
      if (health.live(p)) {
        LOG.info("tls: target {} failed; new connections try the route's next target first: {}", t, why);
      }
      health.failed(p, why);
    }
  }

  List<TargetState> states(Route r) {
    return r.targets().stream().map(t -> {
      PeerRef p = peer(t);
      if (p == null) {
        return new TargetState(t, true, null,
            t.peer().equals(TlsService.LOCAL) ? "this node" : "not checked (no libp2p ping)");
      }
      PeerHealth.State s = health.state(p);
      return s == null ? new TargetState(t, true, null, "not checked yet")
          : new TargetState(t, s.live(), s.since(), s.detail());
    }).toList();
  }

  @Override
  public void close() {
    health.close();
  }
}
