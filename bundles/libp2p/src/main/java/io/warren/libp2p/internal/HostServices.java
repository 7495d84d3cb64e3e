package io.warren.libp2p.internal;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.dcutr.Dcutr;
import io.warren.libp2p.internal.dcutr.DialBudget;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.identify.Identify;
import io.warren.libp2p.internal.relay.CircuitRelay;
import java.util.function.Predicate;

/**
 * The services that are part of the host's own machinery (go-libp2p's host services): identify,
 * circuit relay v2 (the stop handler always, the hop when served), DCUtR, and the keep-alive of
 * QUIC connections. User-level protocols
 * (echo, ping, every other {@link io.warren.api.StreamHandler}) are whiteboard components instead.
 */
public final class HostServices {
  private HostServices() {}

  /** Installs them on {@code h} (not yet started); relay client only, no DCUtR. */
  public static CircuitRelay install(Host h, String agentVersion, CircuitRelay.Limits relayLimits, boolean relayHop) {
    return install(h, agentVersion, relayLimits, relayHop, false, p -> false, null);
  }

  /**
   * As above; {@code hopMembers}: relay for {@code trusted} peers even when {@code relayHop} is off;
   * {@code dcutr}: upgrade relayed connections to direct ones within that budget (null: no DCUtR).
   */
  public static CircuitRelay install(Host h, String agentVersion, CircuitRelay.Limits relayLimits, boolean relayHop,
      boolean hopMembers, Predicate<PeerId> trusted, DialBudget dcutr) {
    if (dcutr != null) {
      new Dcutr(h, dcutr).install();
    }
    new Identify(h, agentVersion).install();
    h.addConnectionListener(c -> keepAlive(h, c));
    CircuitRelay relay = new CircuitRelay(h, relayLimits, relayHop, hopMembers, trusted);
    relay.install();
    return relay;
  }

  /** How often an idle QUIC connection is pinged, well within its idle timeout (NAT bindings for UDP expire sooner). */
  static final java.time.Duration KEEP_ALIVE = java.time.Duration.ofSeconds(15);

  /**
   * Keeps a QUIC connection open: QUIC closes a connection silent for its idle timeout (TCP
   * connections stay), so one libp2p ping goes out every {@link #KEEP_ALIVE} while it is open.
   */
  static void keepAlive(Host h, io.warren.libp2p.internal.host.Connection c) {
    if (!"quic".equals(c.transport())) {
      return;
    }
    io.netty.util.concurrent.ScheduledFuture<?> task = c.channel().eventLoop().scheduleAtFixedRate(() -> {
      if (c.isOpen() && c.muxer().streamCount() == 0) {
        h.newStream(c, io.warren.libp2p.internal.ping.Ping.PROTOCOL)
            .thenCompose(
                s -> io.warren.libp2p.internal.ping.Ping.run(s, 1).whenComplete((r, e) -> s.channel().close()));
      }
    }, KEEP_ALIVE.toMillis(), KEEP_ALIVE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    c.channel().closeFuture().addListener(f -> task.cancel(false));
  }
}
