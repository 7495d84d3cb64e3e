package io.warren.libp2p.internal.autonat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.libp2p.internal.TestHosts;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Varint;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AutonatTest {
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

  private static byte[] body(byte[] delimited) {
    io.netty.buffer.ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(delimited);
    byte[] out = new byte[(int) Varint.read(b)];
    b.readBytes(out);
    return out;
  }

  @Test
  void messagesRoundTripAndTheDecisionFollowsTheMajority() {
    byte[] id = Ed25519Identity.generate().peerId().toBytes();
    byte[] a = Multiaddr.fromString("/ip4/192.0.2.1/tcp/4001").toBytes();
    AutonatMessage dial = AutonatMessage.decode(body(AutonatMessage.dial(id, List.of(a)).encodeDelimited()));
    assertEquals(AutonatMessage.DIAL, dial.type());
    assertArrayEquals(id, dial.peerId());
    assertArrayEquals(a, dial.addrs().get(0));
    AutonatMessage ok =
        AutonatMessage.decode(body(AutonatMessage.response(AutonatMessage.OK, "", a).encodeDelimited()));
    assertEquals(AutonatMessage.OK, ok.status());
    assertArrayEquals(a, ok.addr());
    assertEquals(Autonat.Status.UNKNOWN, Autonat.decide(0, 0));
    assertEquals(Autonat.Status.PUBLIC, Autonat.decide(2, 1));
    assertEquals(Autonat.Status.PRIVATE, Autonat.decide(0, 1));
  }

  @Test
  void theServerDialsOnlyTheIpTheRequesterComesFrom() {
    Multiaddr observed = Multiaddr.fromString("/ip4/198.51.100.7/tcp/50123");
    List<Multiaddr> kept = Autonat.sameIp(List.of(
        Multiaddr.fromString("/ip4/198.51.100.7/tcp/4001").toBytes(),
        Multiaddr.fromString("/ip4/203.0.113.9/tcp/4001").toBytes(), // someone else: never dialled
        Multiaddr.fromString("/dns4/example.com/tcp/4001").toBytes(),
        new byte[] {9, 9, 9}), observed);
    assertEquals(List.of(Multiaddr.fromString("/ip4/198.51.100.7/tcp/4001")), kept);
  }

  private record Node(Host host, Autonat autonat) {
    Multiaddr full() {
      return Multiaddr.fromString(host.listenAddresses().get(0) + "/p2p/" + host.peerId());
    }
  }

  private Node node() {
    Host h = new Host(Ed25519Identity.generate(), TestHosts.config(), new ProtocolRegistry(), LOOPS);
    TestHosts.install(h, TestHosts.relayLimits(), false);
    Autonat a = new Autonat(h, true);
    a.install(false);
    h.start();
    closeables.add(h);
    closeables.add(a);
    return new Node(h, a);
  }

  @Test
  void anIpv6AddressPeersElsewhereCouldDialIsSuspectedOfAFirewall() throws Exception {
    assertTrue(Autonat.firewallable(java.net.InetAddress.getByName("fd00:1::2")));
    assertTrue(Autonat.firewallable(java.net.InetAddress.getByName("2001:db8::2")));
    assertFalse(Autonat.firewallable(java.net.InetAddress.getByName("::1")));
    assertFalse(Autonat.firewallable(java.net.InetAddress.getByName("fe80::1")));
    assertFalse(Autonat.firewallable(java.net.InetAddress.getByName("192.168.1.2")), "IPv4: translated() tells");
  }

  @Test
  void aReachableAddressIsConfirmedAndAnUnreachableOneIsNot() throws Exception {
    Node server = node();
    Node client = node();
    Connection c = client.host().connect(server.full()).get(T, TimeUnit.SECONDS);
    c.identified().get(T, TimeUnit.SECONDS);
    assertFalse(client.autonat().translated(), "on loopback the server sees the client at the client's own IP");
    assertFalse(client.autonat().suspectedPrivate(), "nor is a node on loopback suspected");
    assertEquals(AutonatMessage.OK, client.autonat().ask(c, client.host().listenAddresses()).get(T, TimeUnit.SECONDS));
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    assertEquals(AutonatMessage.E_DIAL_ERROR, client.autonat().ask(c,
        List.of(Multiaddr.fromString("/ip4/127.0.0.1/tcp/" + closedPort))).get(T, TimeUnit.SECONDS));
    assertEquals(AutonatMessage.E_DIAL_REFUSED, client.autonat().ask(c,
        List.of(Multiaddr.fromString("/ip4/192.0.2.1/tcp/4001"))).get(T, TimeUnit.SECONDS), "another IP");

    client.autonat().recheck();
    Await.until(WAIT, () -> client.autonat().status() == Autonat.Status.PUBLIC, "the client finds itself public");
    Autonat.Verdict v = client.autonat().verdict();
    assertEquals(1, v.reached(), v.toString());
    assertEquals(0, v.unreached(), v.toString());
  }

}
