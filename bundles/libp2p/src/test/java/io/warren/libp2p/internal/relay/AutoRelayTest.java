package io.warren.libp2p.internal.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerId;
import io.warren.libp2p.RelayInfo;
import io.warren.libp2p.internal.TestHosts;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.HostConfig;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay client: schedule arithmetic, and a private host keeping reservations at relays among its peers. */
class AutoRelayTest {
  /** Shared by the class's hosts; a host never shuts them down. */
  private static final TestEventLoops LOOPS = new TestEventLoops();

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  private static final long T = 20;
  private static final Duration WAIT = Duration.ofSeconds(T);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void refreshesAtThreeQuartersOfTheLifetimeAndBacksOffExponentially() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    assertEquals(now.plusSeconds(2700), AutoRelay.refreshAt(now, now.plusSeconds(3600)));
    assertEquals(now.plusSeconds(3), AutoRelay.refreshAt(now, now.plusSeconds(4)));
    assertEquals(now.plusSeconds(1), AutoRelay.refreshAt(now, now), "an already expired reservation: soon, not now");
    assertEquals(Duration.ofSeconds(5), AutoRelay.backoff(1));
    assertEquals(Duration.ofSeconds(10), AutoRelay.backoff(2));
    assertEquals(Duration.ofSeconds(40), AutoRelay.backoff(4));
    assertEquals(Duration.ofMinutes(5), AutoRelay.backoff(30));
  }

  private record Node(Host host, CircuitRelay relay) {
    Multiaddr full() {
      return Multiaddr.fromString(host.listenAddresses().get(0) + "/p2p/" + host.peerId());
    }
  }

  private Node node(boolean hop, CircuitRelay.Limits limits, boolean listen) {
    HostConfig config = listen ? TestHosts.config() : TestHosts.config().withListen(List.of());
    Host h = new Host(Ed25519Identity.generate(), config, new ProtocolRegistry(), LOOPS);
    CircuitRelay r = TestHosts.install(h, limits, hop);
    h.start();
    closeables.add(h);
    return new Node(h, r);
  }

  private AutoRelay client(Node n, Predicate<PeerId> trusted, int max) {
    AutoRelay a = new AutoRelay(n.host(), n.relay(), trusted, max, true);
    closeables.add(a);
    return a;
  }

  private static RelayInfo at(AutoRelay a, Host relay) {
    return a.relays().stream().filter(r -> r.relayPeerId().equals(relay.peerId().toString())).findFirst().orElse(null);
  }

  @Test
  void aPrivateNodeReservesAdvertisesRefreshesAndFallsBackToAnotherRelay() throws Exception {
    CircuitRelay.Limits shortLived =
        new CircuitRelay.Limits(8, 8, Duration.ofMinutes(1), 1 << 20, Duration.ofSeconds(3));
    Node r1 = node(true, shortLived, true);
    Node r2 = node(true, TestHosts.relayLimits(), true);
    Node q = node(false, TestHosts.relayLimits(), false);
    Node b = node(false, TestHosts.relayLimits(), true);
    assertTrue(q.host().listenAddresses().isEmpty(), "q has no listener");
    AutoRelay auto = client(q, p -> false, 1);
    auto.start();

    q.host().connect(r1.full()).get(T, TimeUnit.SECONDS);
    Await.until(WAIT, () -> at(auto, r1.host()) != null && "reserved".equals(at(auto, r1.host()).state()),
        "a reservation at r1");
    Multiaddr circuit = Multiaddr.fromString(r1.full() + "/p2p-circuit");
    assertEquals(List.of(circuit), q.host().advertisedAddresses(), "q advertises its circuit address");
    Instant first = at(auto, r1.host()).expires();
    Await.until(WAIT, () -> at(auto, r1.host()).expires().isAfter(first), "a refresh before the 3 s reservation ends");

    // b learns q's circuit address from identify over that circuit, as any peer would
    Connection toQ =
        b.host().connect(Multiaddr.fromString(circuit + "/p2p/" + q.host().peerId())).get(T, TimeUnit.SECONDS);
    assertTrue(toQ.relayed());
    assertTrue(toQ.identified().get(T, TimeUnit.SECONDS).listenAddrs().contains(circuit), "identify lists the circuit");

    q.host().connect(r2.full()).get(T, TimeUnit.SECONDS);
    assertEquals(1, auto.relays().stream().filter(r -> r.state().equals("reserved")).count(), "relay.client.max = 1");
    r1.host().close();
    Await.until(WAIT, () -> at(auto, r2.host()) != null && "reserved".equals(at(auto, r2.host()).state()),
        "fallback to r2");
    assertTrue(at(auto, r1.host()).state().startsWith("failed: "), at(auto, r1.host()).toString());
    Await.until(WAIT,
        () -> q.host().advertisedAddresses().equals(List.of(Multiaddr.fromString(r2.full() + "/p2p-circuit"))),
        "q advertises only the circuit through r2");
  }

  @Test
  void trustedRelaysArePreferredOverOlderConnections() throws Exception {
    Node stranger = node(true, TestHosts.relayLimits(), true);
    Node member = node(true, TestHosts.relayLimits(), true);
    Node q = node(false, TestHosts.relayLimits(), false);
    for (Node n : List.of(stranger, member)) {
      q.host().connect(n.full()).get(T, TimeUnit.SECONDS).identified().get(T, TimeUnit.SECONDS);
    }
    Set<PeerId> trusted = Set.of(member.host().peerId());
    AutoRelay auto = client(q, trusted::contains, 1);
    auto.start();
    Await.until(WAIT, () -> at(auto, member.host()) != null && "reserved".equals(at(auto, member.host()).state()),
        "a reservation at the trusted relay");
    assertEquals(1, auto.relays().size(), "only the trusted relay was asked");
  }

  @Test
  void aReservationMadeWhileUnsureIsReleasedWhenTheNodeTurnsPublicButAManualOneIsKept() throws Exception {
    Node r1 = node(true, TestHosts.relayLimits(), true);
    Node r2 = node(true, TestHosts.relayLimits(), true);
    Node q = node(false, TestHosts.relayLimits(), true);
    java.util.concurrent.atomic.AtomicBoolean unsure = new java.util.concurrent.atomic.AtomicBoolean(true);
    AutoRelay auto = new AutoRelay(q.host(), q.relay(), p -> false, 1, unsure::get);
    closeables.add(auto);
    auto.start();
    q.host().connect(r1.full()).get(T, TimeUnit.SECONDS);
    Await.until(WAIT, () -> at(auto, r1.host()) != null && "reserved".equals(at(auto, r1.host()).state()),
        "a reservation at r1 while reachability is unknown");
    assertTrue(at(auto, r1.host()).heldSince() != null, at(auto, r1.host()).toString());
    Multiaddr circuit = Multiaddr.fromString(r1.full() + "/p2p-circuit");
    assertTrue(q.host().advertisedAddresses().contains(circuit), q.host().advertisedAddresses().toString());
    auto.reserve(q.host().connect(r2.full()).get(T, TimeUnit.SECONDS)).get(T, TimeUnit.SECONDS);

    unsure.set(false); // AutoNAT: peers could dial q back
    auto.tickSoon();
    Await.until(WAIT, () -> at(auto, r1.host()).state().startsWith("released"), "the reservation at r1 released");
    assertEquals(null, at(auto, r1.host()).heldSince());
    assertEquals("reserved", at(auto, r2.host()).state(), "the operator's reservation at r2 is kept");
    Multiaddr circuit2 = Multiaddr.fromString(r2.full() + "/p2p-circuit");
    Await.until(WAIT, () -> !q.host().advertisedAddresses().contains(circuit)
        && q.host().advertisedAddresses().contains(circuit2), "q advertises only the circuit it was told to keep");
  }
}
