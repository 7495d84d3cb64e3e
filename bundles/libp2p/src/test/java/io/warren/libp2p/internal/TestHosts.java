package io.warren.libp2p.internal;

import io.warren.api.PeerId;
import io.warren.api.channel.EventLoops;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.echo.Echo;
import io.warren.libp2p.internal.echo.EchoService;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.HostConfig;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.ping.Ping;
import io.warren.libp2p.internal.ping.PingService;
import io.warren.libp2p.internal.relay.CircuitRelay;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Hosts for tests outside a framework. Their settings are the tests' own (the node's defaults live
 * only in {@link Libp2pTransport.Config}); the event loops are the test class's
 * {@link io.warren.testing.TestEventLoops}.
 */
public final class TestHosts {
  private TestHosts() {}

  /** Loopback on any free port, 256 connections, 256 streams each, 10 s negotiation and dial timeouts. */
  public static HostConfig config() {
    return new HostConfig(List.of(Multiaddr.fromString("/ip4/127.0.0.1/tcp/0")), 256, 256, Duration.ofSeconds(10),
        Duration.ofSeconds(10));
  }

  /** 128 reservations of an hour, 64 circuits of 10 minutes and 64 MiB each way. */
  public static CircuitRelay.Limits relayLimits() {
    return new CircuitRelay.Limits(128, 64, Duration.ofMinutes(10), 64L << 20, Duration.ofHours(1));
  }

  /** The host services as the transport installs them, and echo and ping as the node registers them. */
  public static CircuitRelay install(Host h, CircuitRelay.Limits limits, boolean relayHop) {
    CircuitRelay relay = HostServices.install(h, "warren/test", limits, relayHop);
    h.protocols().add(Echo.PROTOCOL, new EchoService());
    h.protocols().add(Ping.PROTOCOL, new PingService());
    return relay;
  }

  /** As {@link #install(Host, CircuitRelay.Limits, boolean)}; the hop also serves the peers {@code trusted} names if {@code hopMembers}. */
  public static CircuitRelay install(Host h, CircuitRelay.Limits limits, boolean relayHop, boolean hopMembers,
      Predicate<PeerId> trusted) {
    CircuitRelay relay = HostServices.install(h, "warren/test", limits, relayHop, hopMembers, trusted, null);
    h.protocols().add(Echo.PROTOCOL, new EchoService());
    h.protocols().add(Ping.PROTOCOL, new PingService());
    return relay;
  }

  /** A started host with {@link #install} (relay client only). */
  public static Host start(EventLoops loops, LocalIdentity identity, HostConfig config, ProtocolRegistry protocols) {
    Host h = new Host(identity, config, protocols, loops);
    install(h, relayLimits(), false);
    h.start();
    return h;
  }
}
