package io.warren.itests.contract;

import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.libp2p.internal.HostServices;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.HostConfig;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.relay.CircuitRelay;
import io.warren.testing.TestEventLoops;
import io.warren.testing.TransportContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * libp2p hosts in this JVM on loopback, built from the libp2p bundle's internal classes the way its
 * own tests build them (the only place the contract tests know them): {@code new Host(identity,
 * config, registry, loops)}, {@code HostServices.install(...)} for the built-in protocols,
 * {@code CircuitRelay.reserve}, {@code Host.connect} and {@code Host.newStream}.
 */
final class Libp2pEndpoints implements TransportContract.Endpoints {
  private static final long T = 20;
  /** The relay of the relayed endpoints limits nothing a contract test sends (0: no limit). */
  private static final CircuitRelay.Limits UNLIMITED = new CircuitRelay.Limits(8, 256, Duration.ZERO, 0,
      Duration.ofHours(1));

  private static final HostConfig CONFIG = new HostConfig(List.of(Multiaddr.fromString("/ip4/127.0.0.1/tcp/0")), 256,
      1024, Duration.ofSeconds(10), Duration.ofSeconds(10));

  private final TestEventLoops loops = new TestEventLoops();
  private final List<Host> hosts = new ArrayList<>();
  private final ProtocolRegistry served = new ProtocolRegistry();
  private Host a;
  private Connection connection;

  private Libp2pEndpoints() {}

  /** A dials B directly over TCP (Noise, Yamux). */
  static Libp2pEndpoints direct() throws Exception {
    Libp2pEndpoints e = new Libp2pEndpoints();
    try {
      Host b = e.host(e.served, false);
      e.a = e.host(new ProtocolRegistry(), false);
      e.connection = e.a.connect(full(b)).get(T, TimeUnit.SECONDS);
      if (e.connection.relayed()) {
        throw new AssertionError("a direct connection came out relayed");
      }
      return e;
    } catch (Exception | Error x) {
      e.close();
      throw x;
    }
  }

  /** B reserves at relay R; A dials B's circuit address, so every stream crosses R (no DCUtR). */
  static Libp2pEndpoints relayed() throws Exception {
    Libp2pEndpoints e = new Libp2pEndpoints();
    try {
      Host r = e.host(new ProtocolRegistry(), true);
      Host b = new Host(Ed25519Identity.generate(), CONFIG, e.served, e.loops);
      CircuitRelay bRelay = HostServices.install(b, "warren/contract", UNLIMITED, false);
      b.start();
      e.hosts.add(b);
      e.a = e.host(new ProtocolRegistry(), false);
      CircuitRelay.Reservation res =
          bRelay.reserve(b.connect(full(r)).get(T, TimeUnit.SECONDS)).get(T, TimeUnit.SECONDS);
      e.connection = e.a.connect(res.circuitAddrs().get(0)).get(T, TimeUnit.SECONDS);
      if (!e.connection.relayed()) {
        throw new AssertionError("a circuit connection came out direct");
      }
      return e;
    } catch (Exception | Error x) {
      e.close();
      throw x;
    }
  }

  private Host host(ProtocolRegistry registry, boolean hop) {
    Host h = new Host(Ed25519Identity.generate(), CONFIG, registry, loops);
    HostServices.install(h, "warren/contract", UNLIMITED, hop);
    h.start();
    hosts.add(h);
    return h;
  }

  private static Multiaddr full(Host h) {
    return Multiaddr.fromString(h.listenAddresses().get(0) + "/p2p/" + h.peerId());
  }

  @Override
  public void register(String protocol, StreamHandler handler) {
    if (!served.add(protocol, handler)) {
      throw new IllegalStateException(protocol + " is served already");
    }
  }

  @Override
  public CompletionStage<Stream> open(String protocol) {
    return a.newStream(connection, protocol).<Stream>thenApply(s -> s);
  }

  @Override
  public void breakConnection() {
    connection.channel().close();
  }

  @Override
  public void close() {
    hosts.forEach(Host::close);
    loops.close();
  }
}
