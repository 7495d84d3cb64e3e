package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two node processes over QUIC only ({@code /udp/<port>/quic-v1}, {@code quic.enabled = true}): one
 * dials the other's QUIC address, and ping, identify and an 8 MiB echo run on that QUIC
 * connection, byte for byte; {@code p2p:peers} names the transport. A restarted node presents the
 * TLS certificate it kept in its data directory, over QUIC and over TCP's {@code /tls/1.0.0}.
 */
class Libp2pQuicTest {
  private static final String QUIC = "io.warren.libp2p:quic.enabled=true";
  @TempDir Path dir;

  @Test
  void twoNodesTalkOverQuic() throws Exception {
    try (NodeProcess a = NodeProcess.start(NodeProcess.installation(dir.resolve("a")), dir.resolve("a/data"), "--set",
        QUIC);
        NodeProcess b = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b/data"), "--set",
            QUIC)) {
      a.awaitReady();
      b.awaitReady();
      String aPeer = a.banner("peer ID");
      String addrs = a.client("p2p:addrs").out();
      String quic = addrs.lines().map(String::strip).filter(l -> l.contains("/quic-v1/")).findFirst()
          .orElseThrow(() -> new AssertionError("a announces a QUIC address: " + addrs));
      String tcpPort = addrs.lines().filter(l -> l.contains("/tcp/")).findFirst().orElseThrow().split("/")[4];
      assertTrue(quic.contains("/udp/" + tcpPort + "/quic-v1/p2p/" + aPeer), "QUIC at the TCP port: " + addrs);

      NodeProcess.Result connect = b.client("p2p:connect", quic);
      assertEquals(0, connect.exit(), connect.toString());
      assertTrue(connect.out().contains("/quic-v1"), connect.out());

      NodeProcess.Result ping = b.client("p2p:ping", "-c", "3", quic);
      assertEquals(0, ping.exit(), ping.toString());
      assertTrue(ping.out().contains("PING " + aPeer + " via /ip4/127.0.0.1/udp/" + tcpPort + "/quic-v1"),
          ping.out());
      assertTrue(ping.out().contains("3 pings"), ping.out());

      NodeProcess.Result echo = b.client("p2p:echo", "-n", String.valueOf(8 * 1024 * 1024), quic);
      assertEquals(0, echo.exit(), echo.toString());
      assertTrue(echo.out().matches("(?s).*identical\\s+true.*"), echo.out());

      NodeProcess.Result peers = b.client("p2p:peers");
      assertTrue(peers.out().lines().anyMatch(l -> l.startsWith(aPeer) && l.contains("/quic-v1")
          && l.matches(".*\\squic\\s+\\d+\\.\\d ms\\s.*")), "the connection's transport and RTT: " + peers.out());
      NodeProcess.Result json = b.client("p2p:peers", "--json");
      assertTrue(json.out().matches("(?s).*\"transport\"\\s*:\\s*\"quic\".*"), json.out());
      NodeProcess.Result identified = a.client("p2p:peers");
      assertTrue(identified.out().lines().anyMatch(l -> l.startsWith(b.banner("peer ID")) && l.contains("quic")
          && l.contains("warren/")), "a identified b over QUIC: " + identified.out());
    }
  }

  @Test
  void aRestartedNodePresentsTheCertificateItKeptOverQuicAndTls() throws Exception {
    Path aData = dir.resolve("a/data");
    Path kept = aData.resolve("libp2p/tls-certificate");
    Path aHome = NodeProcess.installation(dir.resolve("a"));
    try (NodeProcess a = NodeProcess.start(aHome, aData, "--set", QUIC)) {
      a.awaitReady();
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)),
        "the certificate's key is a secret, as the node key is");
    String first = Files.readString(kept);
    try (NodeProcess a = NodeProcess.start(aHome, aData, "--set", QUIC);
        NodeProcess b = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b/data"), "--set",
            QUIC)) {
      a.awaitReady();
      b.awaitReady();
      assertEquals(first, Files.readString(kept), "the second start used the certificate the first made");
      // libp2p TLS is mutual: a presents its certificate when b dials it over TCP, and when it dials b over QUIC
      String aPeer = a.banner("peer ID");
      String tcp = loopback(a, "/tcp/");
      NodeProcess.Result ping = b.client("p2p:ping", "-c", "2", tcp);
      assertEquals(0, ping.exit(), tcp + ": " + ping);
      assertTrue(ping.out().contains("PING " + aPeer), ping.out());
      NodeProcess.Result peers = b.client("p2p:peers");
      assertTrue(peers.out().lines().anyMatch(l -> l.startsWith(aPeer) && l.contains("/tls/1.0.0")),
          "b reached a over TCP with TLS: " + peers.out());
      String quic = loopback(b, "/quic-v1/");
      NodeProcess.Result back = a.client("p2p:ping", "-c", "2", quic);
      assertEquals(0, back.exit(), quic + ": " + back);
      assertTrue(back.out().contains("/quic-v1"), back.out());
    }
  }

  private static String loopback(NodeProcess node, String kind) throws Exception {
    String addrs = node.client("p2p:addrs").out();
    return addrs.lines().map(String::strip).filter(l -> l.startsWith("/ip4/127.0.0.1") && l.contains(kind))
        .findFirst().orElseThrow(() -> new AssertionError("a loopback " + kind + " address: " + addrs));
  }
}
