package io.warren.libp2p.internal.dcutr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.libp2p.internal.TestHosts;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.HostConfig;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Varint;
import io.warren.libp2p.internal.ping.Ping;
import io.warren.libp2p.internal.relay.CircuitRelay;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DcutrTest {
  /** Shared by the class's hosts; a host never shuts them down. */
  private static final TestEventLoops LOOPS = new TestEventLoops();

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  private static final long T = 30;
  private static final Duration WAIT = Duration.ofSeconds(T);
  private final List<Host> hosts = new ArrayList<>();

  @AfterEach
  void stop() {
    hosts.forEach(Host::close);
  }

  @Test
  void messagesRoundTripAndBadOnesAreRefused() {
    byte[] addr = Multiaddr.fromString("/ip4/192.0.2.1/tcp/4001").toBytes();
    byte[] wire = DcutrMessage.connect(List.of(addr)).encodeDelimited();
    io.netty.buffer.ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(wire);
    long len = Varint.read(b);
    assertEquals(b.readableBytes(), len);
    byte[] body = new byte[(int) len];
    b.readBytes(body);
    // type = 100 (field 1, varint), ObsAddrs (field 2, bytes)
    assertEquals(0x08, body[0] & 0xff);
    DcutrMessage m = DcutrMessage.decode(body);
    assertEquals(DcutrMessage.CONNECT, m.type());
    assertArrayEquals(addr, m.addrs().get(0));
    assertEquals(DcutrMessage.SYNC, DcutrMessage.decode(Arrays.copyOfRange(DcutrMessage.sync().encodeDelimited(), 1,
        DcutrMessage.sync().encodeDelimited().length)).type());
    assertThrows(IllegalArgumentException.class, () -> DcutrMessage.decode(new byte[] {0x08, 7}), "type 7");
    assertThrows(IllegalArgumentException.class, () -> DcutrMessage.decode(new byte[0]), "no type");
    List<Multiaddr> parsed = Dcutr.parse(List.of(addr, new byte[] {1, 2, 3},
        Multiaddr.fromString("/ip4/192.0.2.1/tcp/1/p2p/" + Ed25519Identity.generate().peerId() + "/p2p-circuit")
            .toBytes()));
    assertEquals(List.of(Multiaddr.fromString("/ip4/192.0.2.1/tcp/4001")), parsed, "garbage and circuits are skipped");
  }

  @Test
  void quicAddressesTravelInConnectAndTheRoundsAlternateWhenBothOfferQuic() {
    List<Multiaddr> both = List.of(Multiaddr.fromString("/ip4/10.99.0.2/tcp/4001"),
        Multiaddr.fromString("/ip4/10.99.0.2/udp/4001/quic-v1"));
    byte[] wire = DcutrMessage.connect(both.stream().map(Multiaddr::toBytes).toList()).encodeDelimited();
    DcutrMessage m = DcutrMessage.decode(Arrays.copyOfRange(wire, 1, wire.length));
    assertEquals(both, Dcutr.parse(m.addrs()), "TCP and QUIC addresses both survive CONNECT");
    assertEquals(List.of(Multiaddr.fromString("/ip4/10.99.0.2/udp/4001/quic-v1")), Dcutr.parse(List.of(
        Multiaddr.fromString("/ip4/10.99.0.2/udp/4001/quic-v1/p2p/" + Ed25519Identity.generate().peerId()).toBytes(),
        Multiaddr.fromString("/ip4/10.99.0.2/udp/4001").toBytes(),
        Multiaddr.fromString("/dns4/example.org/udp/4001/quic-v1").toBytes())),
        "a /p2p suffix is dropped; plain UDP and DNS names are not punched");

    List<Multiaddr> tcpOnly = both.subList(0, 1);
    assertTrue(Dcutr.quicRound(1, both, both), "first round: QUIC when both offer it");
    assertFalse(Dcutr.quicRound(2, both, both), "then TCP");
    assertTrue(Dcutr.quicRound(3, both, both), "then QUIC again");
    assertFalse(Dcutr.quicRound(1, both, tcpOnly), "the peer offers no QUIC: TCP");
    assertFalse(Dcutr.quicRound(1, tcpOnly, both), "we offer no QUIC: TCP");
  }

  @Test
  void connectOffersAtMostEightAddressesWithRoomForQuic() {
    List<Multiaddr> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.add(Multiaddr.fromString("/ip4/10.0.0." + i + "/tcp/4001"));
    }
    all.add(Multiaddr.fromString("/ip4/10.0.0.1/udp/4001/quic-v1"));
    List<Multiaddr> limited = Dcutr.limit(all);
    assertEquals(Dcutr.MAX_ADDRS, limited.size());
    assertEquals(all.subList(0, 7), limited.subList(0, 7), "the first TCP ones, in order");
    assertEquals(all.get(10), limited.get(7), "and the QUIC one");
    assertEquals(all.subList(0, 3), Dcutr.limit(all.subList(0, 3)), "a short list stays as it is");
  }

  @Test
  void quicHolePunchingGivesADirectQuicConnectionDialledFromTheListenPort() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.warren.libp2p.internal.quic.QuicConfig.isAvailable(),
        "Netty's QUIC native library does not load here: "
            + io.warren.libp2p.internal.quic.QuicConfig.unavailability());
    Node r = node(true, true, false);
    Node a = quicNode();
    Node b = quicNode();
    Connection relayed = relayed(r, a, b);
    Connection direct = b.dcutr().holePunch(relayed).get(T, TimeUnit.SECONDS);
    assertFalse(direct.relayed());
    assertEquals("quic", direct.transport(), "both offered QUIC: the first round punches UDP for QUIC");
    assertEquals(a.host().peerId(), direct.remotePeer());
    assertFalse(direct.outbound(), "a dialled (it got SYNC), b sprayed datagrams and accepted");
    // the dial left from a's QUIC listening port, the one peers observe (SO_REUSEPORT, a connected socket)
    Multiaddr aQuic = a.host().listenAddresses().stream().filter(x -> x.toString().contains("/quic-v1")).findFirst()
        .orElseThrow();
    assertEquals(aQuic, direct.remoteAddress(), "b sees a's dial come from a's QUIC listen address");
    Connection used = b.host().connectionTo(a.host().peerId()).get(T, TimeUnit.SECONDS);
    assertFalse(used.relayed(), "b's next stream to a goes direct");
    assertEquals(1, Ping.run(b.host().newStream(used, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 1)
        .get(T, TimeUnit.SECONDS).size());
    // a's listener still takes new QUIC connections from others (the connected socket only takes b's datagrams)
    Node c = quicNode();
    Connection toA = c.host().connect(Multiaddr.fromString(aQuic + "/p2p/" + a.host().peerId()))
        .get(T, TimeUnit.SECONDS);
    assertEquals("quic", toA.transport());
    assertEquals(1, Ping.run(c.host().newStream(toA, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 1)
        .get(T, TimeUnit.SECONDS).size());
  }

  private Node quicNode() {
    return node(false, TestHosts.config().withQuic(true), false);
  }

  private record Node(Host host, CircuitRelay relay, Dcutr dcutr) {
    Multiaddr full() {
      return Multiaddr.fromString(host.listenAddresses().get(0) + "/p2p/" + host.peerId());
    }
  }

  private Node node(boolean hop, boolean listen, boolean initiate) {
    return node(hop, listen ? TestHosts.config() : TestHosts.config().withListen(List.of()), initiate);
  }

  private Node node(boolean hop, HostConfig config, boolean initiate) {
    Host h = new Host(Ed25519Identity.generate(), config, new ProtocolRegistry(), LOOPS);
    CircuitRelay r = TestHosts.install(h, TestHosts.relayLimits(), hop);
    Dcutr d = new Dcutr(h, initiate);
    d.install();
    h.start();
    hosts.add(h);
    return new Node(h, r, d);
  }

  /** b reserves at r, a dials b's circuit address; returns b's side of the relayed connection. */
  private static Connection relayed(Node r, Node a, Node b) throws Exception {
    CircuitRelay.Reservation res = b.relay().reserve(b.host().connect(r.full()).get(T, TimeUnit.SECONDS))
        .get(T, TimeUnit.SECONDS);
    Connection fromA = a.host().connect(res.circuitAddrs().get(0)).get(T, TimeUnit.SECONDS);
    assertTrue(fromA.relayed());
    Await.until(WAIT,
        () -> b.host().connections().stream().anyMatch(c -> c.relayed() && c.remotePeer().equals(a.host().peerId())),
        "b sees the relayed connection");
    Connection c = b.host().connections().stream()
        .filter(x -> x.relayed() && x.remotePeer().equals(a.host().peerId())).findFirst().orElseThrow();
    c.identified().get(T, TimeUnit.SECONDS);
    return c;
  }

  @Test
  void holePunchingGivesADirectConnectionBetweenTwoListeningPeers() throws Exception {
    Node r = node(true, true, false);
    Node a = node(false, true, false);
    Node b = node(false, true, false);
    Connection relayed = relayed(r, a, b);
    Connection direct = b.dcutr().holePunch(relayed).get(T, TimeUnit.SECONDS);
    assertFalse(direct.relayed());
    assertEquals(a.host().peerId(), direct.remotePeer());
    // new streams take the direct connection
    Connection used = b.host().connectionTo(a.host().peerId()).get(T, TimeUnit.SECONDS);
    assertFalse(used.relayed(), "b's next stream to a goes direct");
    assertEquals(1, Ping.run(b.host().newStream(used, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 1)
        .get(T, TimeUnit.SECONDS).size());
  }

  @Test
  void theAcceptingSideUpgradesOnItsOwnAndClosesTheIdleRelayedConnection() throws Exception {
    Node r = node(true, true, false);
    Node a = node(false, true, false);
    Node b = node(false, true, true);
    Connection relayed = relayed(r, a, b);
    Await.until(WAIT,
        () -> b.host().connections().stream().anyMatch(c -> !c.relayed() && c.remotePeer().equals(a.host().peerId())),
        "a direct connection from b to a");
    Await.until(WAIT, () -> !relayed.isOpen(), "the idle relayed connection closes");
    Await.until(WAIT,
        () -> a.host().connections().stream().noneMatch(c -> c.relayed() && c.remotePeer().equals(b.host().peerId())),
        "and so does a's end of it");
    assertFalse(a.host().connectionTo(b.host().peerId()).get(T, TimeUnit.SECONDS).relayed());
  }

  @Test
  void aPeerWithoutListenerStaysRelayed() throws Exception {
    Node r = node(true, true, false);
    Node a = node(false, false, false); // dial-out only: nothing to punch to
    Node b = node(false, true, false);
    Connection relayed = relayed(r, a, b);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> b.dcutr().holePunch(relayed).get(T, TimeUnit.SECONDS));
    assertTrue(relayed.isOpen(), "the relayed connection is still there: " + e.getCause());
    assertTrue(
        b.host().connections().stream().noneMatch(c -> !c.relayed() && c.remotePeer().equals(a.host().peerId())));
    assertEquals(1, Ping.run(b.host().newStream(relayed, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 1)
        .get(T, TimeUnit.SECONDS).size(), "and still carries streams");
  }

  @Test
  void anUpgradeOnDemandWorksFromTheDiallingSideAndIsIdempotent() throws Exception {
    Node r = node(true, true, false);
    Node a = node(false, false, false); // dial-out only, and no automatic upgrade anywhere
    Node b = node(false, true, false);
    relayed(r, a, b);
    assertTrue(a.host().connectionTo(b.host().peerId()).get(T, TimeUnit.SECONDS).relayed(), "relayed at first");
    Connection direct = a.dcutr().upgrade(b.host().peerId()).get(T, TimeUnit.SECONDS);
    assertFalse(direct.relayed());
    assertEquals(b.host().peerId(), direct.remotePeer());
    assertSame(direct, a.dcutr().upgrade(b.host().peerId()).get(T, TimeUnit.SECONDS), "once direct, nothing to do");
    assertFalse(a.host().connectionTo(b.host().peerId()).get(T, TimeUnit.SECONDS).relayed(), "new streams go direct");
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> a.dcutr().upgrade(Ed25519Identity.generate().peerId()).get(T, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().startsWith("no connection to "), e.getCause().toString());
  }
}
