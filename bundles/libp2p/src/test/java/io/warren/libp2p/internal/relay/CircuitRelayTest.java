package io.warren.libp2p.internal.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.TestHosts;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.echo.Echo;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.ping.Ping;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three hosts over loopback: R relays, A reserves at R, B reaches A through R. */
class CircuitRelayTest {
  /** Shared by the class's hosts; a host never shuts them down. */
  private static final TestEventLoops LOOPS = new TestEventLoops();

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  private static final long T = 20;
  private static final Duration WAIT = Duration.ofSeconds(T);
  private final List<Host> hosts = new ArrayList<>();
  private final List<CircuitRelay> relays = new ArrayList<>();

  @AfterEach
  void stop() {
    hosts.forEach(Host::close);
  }

  private Host host(boolean hop, CircuitRelay.Limits limits) {
    return host(hop, limits, p -> false);
  }

  /** A host whose hop also serves the peers {@code trusted} names (relay.hop.members). */
  private Host host(boolean hop, CircuitRelay.Limits limits, java.util.function.Predicate<PeerId> trusted) {
    Host h = new Host(Ed25519Identity.generate(), TestHosts.config(), new ProtocolRegistry(), LOOPS);
    relays.add(TestHosts.install(h, limits, hop, true, trusted));
    h.start();
    hosts.add(h);
    return h;
  }

  private static Multiaddr full(Host h) {
    return Multiaddr.fromString(h.listenAddresses().get(0) + "/p2p/" + h.peerId());
  }

  @Test
  void aPeerReachesAnotherThroughTheRelayPingsAndEchoes() throws Exception {
    Host r = host(true, TestHosts.relayLimits());
    Host a = host(false, TestHosts.relayLimits());
    Host b = host(false, TestHosts.relayLimits());
    CircuitRelay.Reservation res = relays.get(1).reserve(a.connect(full(r)).get(T, TimeUnit.SECONDS))
        .get(T, TimeUnit.SECONDS);
    assertEquals(r.peerId(), res.relay());
    Multiaddr circuit = res.circuitAddrs().get(0);
    assertEquals(full(r) + "/p2p-circuit/p2p/" + a.peerId(), circuit.toString());
    assertTrue(res.expires().isAfter(java.time.Instant.now()));

    Connection c = b.connect(circuit).get(T, TimeUnit.SECONDS);
    assertTrue(c.relayed());
    assertEquals(a.peerId(), c.remotePeer());
    assertEquals(2,
        Ping.run(b.newStream(c, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 2).get(T, TimeUnit.SECONDS).size());
    Echo.Result e = Echo.run(b.newStream(c, Echo.PROTOCOL).get(T, TimeUnit.SECONDS), 1 << 20).get(T, TimeUnit.SECONDS);
    assertTrue(e.identical(), e.toString());
    assertEquals("warren/test", c.identified().get(T, TimeUnit.SECONDS).agentVersion());
    assertTrue(a.connections().stream().anyMatch(x -> x.relayed() && x.remotePeer().equals(b.peerId())),
        "A sees a relayed connection from B");
    assertFalse(b.connections().stream().anyMatch(x -> !x.relayed() && x.remotePeer().equals(a.peerId())),
        "B never connected to A directly");
  }

  @Test
  void aPeerKnownOnlyFromTheAddressBookIsReachedDirectFirstThenThroughItsCircuit() throws Exception {
    Host r = host(true, TestHosts.relayLimits());
    Host a = host(false, TestHosts.relayLimits());
    Host b = host(false, TestHosts.relayLimits());
    CircuitRelay.Reservation res = relays.get(1).reserve(a.connect(full(r)).get(T, TimeUnit.SECONDS))
        .get(T, TimeUnit.SECONDS);
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    // learned in this order: the circuit first, then a direct address where nobody listens
    assertTrue(b.addAddress(a.peerId(), res.circuitAddrs().get(0)));
    assertTrue(
        b.addAddress(a.peerId(), Multiaddr.fromString("/ip4/127.0.0.1/tcp/" + closedPort + "/p2p/" + a.peerId())));
    var s = b.newStream(a.peerId(), Ping.PROTOCOL).get(T, TimeUnit.SECONDS);
    assertTrue(s.relayed(), "the direct address failed, the circuit worked");
    assertEquals(1, Ping.run(s, 1).get(T, TimeUnit.SECONDS).size());

    b.addAddress(a.peerId(), full(a)); // now a direct address that works: preferred for the next connection
    b.connections().stream().filter(c -> c.remotePeer().equals(a.peerId())).forEach(c -> c.channel().close());
    Await.until(WAIT, () -> b.connections().stream().noneMatch(c -> c.remotePeer().equals(a.peerId())), "closed");
    assertFalse(b.newStream(a.peerId(), Ping.PROTOCOL).get(T, TimeUnit.SECONDS).relayed(), "direct first");
  }

  @Test
  void withoutAReservationTheRelayRefuses() throws Exception {
    Host r = host(true, TestHosts.relayLimits());
    Host a = host(false, TestHosts.relayLimits());
    Host b = host(false, TestHosts.relayLimits());
    a.connect(full(r)).get(T, TimeUnit.SECONDS); // connected, but no reservation
    ExecutionException e = assertThrows(ExecutionException.class, () -> b.connect(
        Multiaddr.fromString(full(r) + "/p2p-circuit/p2p/" + a.peerId())).get(T, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("NO_RESERVATION"), e.getCause().getMessage());
  }

  @Test
  void aNodeThatDoesNotRelaySaysSoAndTheDataLimitEndsACircuit() throws Exception {
    Host notRelay = host(false, TestHosts.relayLimits());
    Host a = host(false, TestHosts.relayLimits());
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> relays.get(1).reserve(a.connect(full(notRelay)).get(T, TimeUnit.SECONDS)).get(T, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("PERMISSION_DENIED"), e.getCause().getMessage());

    Host r = host(true, new CircuitRelay.Limits(8, 8, Duration.ofMinutes(1), 256 * 1024, Duration.ofHours(1)));
    Host b = host(false, TestHosts.relayLimits());
    CircuitRelay.Reservation res = relays.get(1).reserve(a.connect(full(r)).get(T, TimeUnit.SECONDS))
        .get(T, TimeUnit.SECONDS);
    assertEquals(256 * 1024, res.limitBytes());
    Connection c = b.connect(res.circuitAddrs().get(0)).get(T, TimeUnit.SECONDS);
    assertThrows(ExecutionException.class, () -> Echo.run(b.newStream(c, Echo.PROTOCOL).get(T, TimeUnit.SECONDS),
        4 << 20).get(T, TimeUnit.SECONDS), "4 MiB cannot pass a 256 KiB circuit");
    assertTrue(c.channel().closeFuture().await(T, TimeUnit.SECONDS), "the relayed connection ends");
  }

  @Test
  void withHopOffTrustedPeersStillRelayBetweenThemselvesWithoutLimitsAndOthersAreRefused() throws Exception {
    java.util.Set<PeerId> members = java.util.concurrent.ConcurrentHashMap.newKeySet();
    // hop off for everyone else, and a 64 KiB / 1 s limit that trusted circuits must not get
    Host r = host(false, new CircuitRelay.Limits(8, 8, Duration.ofSeconds(1), 64 * 1024, Duration.ofHours(1)),
        members::contains);
    Host a = host(false, TestHosts.relayLimits());
    Host b = host(false, TestHosts.relayLimits());
    Host stranger = host(false, TestHosts.relayLimits());
    members.add(a.peerId());
    members.add(b.peerId());

    ExecutionException refused = assertThrows(ExecutionException.class, () -> relays.get(3)
        .reserve(stranger.connect(full(r)).get(T, TimeUnit.SECONDS)).get(T, TimeUnit.SECONDS));
    assertTrue(refused.getCause().getMessage().contains("PERMISSION_DENIED"), refused.getCause().getMessage());

    CircuitRelay.Reservation res = relays.get(1).reserve(a.connect(full(r)).get(T, TimeUnit.SECONDS))
        .get(T, TimeUnit.SECONDS);
    assertEquals(0, res.limitBytes(), "no data limit for a trusted peer");
    assertEquals(0, res.limitSeconds(), "no duration limit for a trusted peer");
    Connection c = b.connect(res.circuitAddrs().get(0)).get(T, TimeUnit.SECONDS);
    assertTrue(c.relayed());
    Echo.Result e = Echo.run(b.newStream(c, Echo.PROTOCOL).get(T, TimeUnit.SECONDS), 1 << 20).get(T, TimeUnit.SECONDS);
    assertTrue(e.identical(), "1 MiB passes a relay whose limit for strangers is 64 KiB: " + e);
    // past the 1 s limit strangers would get, the circuit still carries pings (polled, not slept)
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    while (System.nanoTime() < until) {
      assertEquals(1,
          Ping.run(b.newStream(c, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 1).get(T, TimeUnit.SECONDS).size());
    }
    assertTrue(c.isOpen());

    ExecutionException strangerToA = assertThrows(ExecutionException.class,
        () -> stranger.connect(res.circuitAddrs().get(0)).get(T, TimeUnit.SECONDS));
    assertTrue(strangerToA.getCause().getMessage().contains("PERMISSION_DENIED"), strangerToA.getCause().getMessage());
  }
}
