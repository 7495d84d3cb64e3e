package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.TransportException;
import io.warren.libp2p.internal.TestHosts;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.echo.Echo;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.ping.Ping;
import io.warren.libp2p.internal.quic.QuicConfig;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two real hosts over loopback QUIC ({@code /udp/<port>/quic-v1}): streams, identify, and whom they
 * reach; and both halves of a birthday punch against plain UDP sockets.
 */
class QuicHostTest {
  private static final TestEventLoops LOOPS = new TestEventLoops();
  private static final long T = 30;
  private final List<Host> hosts = new ArrayList<>();

  @BeforeAll
  static void quicHere() {
    Assumptions.assumeTrue(QuicConfig.isAvailable(), "Netty's QUIC native library does not load here: "
        + QuicConfig.unavailability());
  }

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  @AfterEach
  void stop() {
    hosts.forEach(Host::close);
  }

  static Host quicHost(TestEventLoops loops) {
    return TestHosts.start(loops, Ed25519Identity.generate(), TestHosts.config().withQuic(true),
        new ProtocolRegistry());
  }

  private Host host() {
    Host h = quicHost(LOOPS);
    hosts.add(h);
    return h;
  }

  static Multiaddr quicAddress(Host h) {
    return h.listenAddresses().stream().filter(TcpAddresses::quic).findFirst().orElseThrow();
  }

  @Test
  void listensForQuicAtTheTcpPortAndAnnouncesIt() {
    Host a = host();
    assertTrue(a.quic());
    Multiaddr q = quicAddress(a);
    assertEquals("/ip4/127.0.0.1/udp/" + a.boundPorts().get(0) + "/quic-v1", q.toString());
  }

  @Test
  void pingEchoAndIdentifyRunOverQuicStreams() throws Exception {
    Host a = host();
    Host b = host();
    Connection c = a.connect(quicAddress(b).withPeerId(b.peerId())).get(T, TimeUnit.SECONDS);
    assertEquals("quic", c.transport());
    assertEquals(b.peerId(), c.remotePeer());
    List<Duration> rtts = Ping.run(a.newStream(c, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 3)
        .get(T, TimeUnit.SECONDS);
    assertEquals(3, rtts.size());
    Echo.Result r = Echo.run(a.newStream(c, Echo.PROTOCOL).get(T, TimeUnit.SECONDS), 8L << 20)
        .get(T * 2, TimeUnit.SECONDS);
    assertTrue(r.identical(), "the echo came back byte for byte: " + r);
    assertEquals(8L << 20, r.received());
    Connection.PeerDetails d = c.identified().get(T, TimeUnit.SECONDS);
    assertTrue(d.listenAddrs().contains(quicAddress(b)),
        "b announces its QUIC address: " + d + " " + b.advertisedAddresses());
    Await.until(Duration.ofSeconds(T), () -> b.connections().stream()
        .anyMatch(x -> x.remotePeer().equals(a.peerId()) && "quic".equals(x.transport())), "b has a's QUIC connection");
    Await.until(Duration.ofSeconds(T), () -> c.muxer().rtt() != null, "quiche measured the RTT");
  }

  @Test
  void manyStreamsAtOnceOnOneConnection() throws Exception {
    Host a = host();
    Host b = host();
    Connection c = a.connect(quicAddress(b).withPeerId(b.peerId())).get(T, TimeUnit.SECONDS);
    List<java.util.concurrent.CompletableFuture<Echo.Result>> runs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      runs.add(a.newStream(c, Echo.PROTOCOL).thenCompose(s -> Echo.run(s, 64 * 1024)));
    }
    for (var f : runs) {
      Echo.Result r = f.get(T * 2, TimeUnit.SECONDS);
      assertTrue(r.identical(), r.toString());
    }
    assertEquals(1, a.connections().size(), "all on the one QUIC connection");
  }

  @Test
  void aDialToASilentUdpPortFailsWithinItsBudgetAndGivesItsSlotBack() throws Exception {
    HostConfig quick = new HostConfig(List.of(Multiaddr.fromString("/ip4/127.0.0.1/tcp/0")), 256, 256,
        Duration.ofSeconds(1), Duration.ofSeconds(1)).withQuic(true);
    Host a = TestHosts.start(LOOPS, Ed25519Identity.generate(), quick, new ProtocolRegistry());
    hosts.add(a);
    int silent;
    try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
      silent = s.getLocalPort();
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> a.connect(Multiaddr.fromString("/ip4/127.0.0.1/udp/" + silent + "/quic-v1")).get(T,
              TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("no QUIC handshake within 2 s"), e.getCause().getMessage());
    }
    Await.until(Duration.ofSeconds(T), () -> a.limits(1).stream().filter(l -> l.scope().equals("system"))
        .allMatch(l -> l.used() == 0), "the outbound slot is given back");
  }

  @Test
  void aPeerOtherThanTheExpectedOneIsRefused() throws Exception {
    Host a = host();
    Host b = host();
    Host other = host();
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> a.connect(quicAddress(b).withPeerId(other.peerId())).get(T, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof TransportException, e.toString());
    assertTrue(e.getCause().getMessage().contains("peer is " + b.peerId() + ", expected " + other.peerId()),
        e.getCause().getMessage());
    Await.until(Duration.ofSeconds(T), () -> a.connections().isEmpty(), "no connection kept");
  }

  // birthday punching, both halves, each against plain UDP sockets standing in for the other side's NAT

  private static DatagramPacket receive(DatagramSocket s) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    s.receive(p);
    return p;
  }

  @Test
  void theSprayLeavesFromTheQuicPortOncePerPort() throws Exception {
    Host c = host();
    int quicPort = TcpAddresses.socketAddress(quicAddress(c)).getPort();
    List<DatagramSocket> targets = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        s.setSoTimeout(20_000);
        targets.add(s);
      }
      int[] ports = targets.stream().mapToInt(DatagramSocket::getLocalPort).toArray();
      c.birthdaySpray(InetAddress.getByName("127.0.0.1"), ports, Duration.ofMillis(300), new CompletableFuture<>());
      for (DatagramSocket s : targets) {
        DatagramPacket p = receive(s);
        assertEquals(QuicEndpoint.PUNCH_PACKET, p.getLength());
        assertEquals(quicPort, p.getPort(), "from the QUIC listening port, the one the peer observed");
      }
    } finally {
      targets.forEach(DatagramSocket::close);
    }
  }

  @Test
  void theFirstPortThePeersDatagramReachesDialsQuicToIt() throws Exception {
    Host s = host();
    try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      peer.setSoTimeout(20_000);
      Multiaddr at = Multiaddr.fromString("/ip4/127.0.0.1/udp/" + peer.getLocalPort() + "/quic-v1");
      int sockets = 16;
      CompletableFuture<Connection> dial = s.birthdayDial(List.of(at), Ed25519Identity.generate().peerId(), sockets,
          Duration.ofSeconds(20));
      Set<Integer> opened = new HashSet<>();
      while (opened.size() < sockets) {
        DatagramPacket p = receive(peer);
        assertEquals(QuicEndpoint.PUNCH_PACKET, p.getLength(), "a probe, not yet a QUIC packet");
        opened.add(p.getPort());
      }
      int chosen = opened.iterator().next();
      byte[] hit = new byte[8];
      peer.send(new DatagramPacket(hit, hit.length, InetAddress.getByName("127.0.0.1"), chosen));
      DatagramPacket initial;
      do {
        initial = receive(peer); // probes of other sockets may still be on their way
      } while (initial.getLength() == QuicEndpoint.PUNCH_PACKET);
      assertEquals(chosen, initial.getPort(), "the QUIC dial leaves from the port the peer's datagram reached");
      assertTrue(initial.getLength() >= 1200 && (initial.getData()[0] & 0x80) != 0,
          "a QUIC Initial (long header, padded to 1200 bytes), " + initial.getLength() + " bytes");
      dial.cancel(false);
    }
  }

  @Test
  void aHostBehindNoNatDoesNotThinkItsPortsChange() throws Exception {
    Host a = host();
    Host b = host();
    Connection c = a.connect(Multiaddr.fromString(quicAddress(b) + "/p2p/" + b.peerId()))
        .get(30, java.util.concurrent.TimeUnit.SECONDS);
    c.identified().get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(false, a.natChangesPorts(), "loopback: every observed port is the one we send from");
  }
}
