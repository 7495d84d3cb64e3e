package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.quic.QuicConfig;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both halves of a birthday punch on loopback, each against plain UDP sockets standing in for the
 * other side's NAT: the port-keeping side's spray leaves from its QUIC port to each given port,
 * and the port-changing side opens many ports towards the peer and dials QUIC from the one a
 * datagram of the peer reaches.
 */
class BirthdayPunchTest {
  private static final TestEventLoops LOOPS = new TestEventLoops();
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

  private Host host() {
    Host h = QuicHostTest.quicHost(LOOPS);
    hosts.add(h);
    return h;
  }

  private static DatagramPacket receive(DatagramSocket s) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    s.receive(p);
    return p;
  }

  @Test
  void theSprayLeavesFromTheQuicPortOncePerPort() throws Exception {
    Host c = host();
    int quicPort = TcpAddresses.socketAddress(QuicHostTest.quicAddress(c)).getPort();
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
    Connection c = a.connect(Multiaddr.fromString(QuicHostTest.quicAddress(b) + "/p2p/" + b.peerId()))
        .get(30, java.util.concurrent.TimeUnit.SECONDS);
    c.identified().get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(false, a.natChangesPorts(), "loopback: every observed port is the one we send from");
  }
}
