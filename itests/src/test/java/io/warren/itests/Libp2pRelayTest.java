package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Circuit relay v2 between node processes, and with js-libp2p's relay client and relay server
 * (@libp2p/circuit-relay-v2) on either side.
 */
class Libp2pRelayTest {
  @TempDir Path dir;

  @Test
  void aNodeReachesAnotherThroughARelayNode() throws Exception {
    Path relayHome = relayInstallation(dir.resolve("r"));
    try (NodeProcess r = NodeProcess.start(relayHome, dir.resolve("r/data"));
        // no DCUtR on a: this test is about the relayed path, which a would otherwise leave for a direct one
        NodeProcess a =
            NodeProcess.start(installation(dir.resolve("a"), "dcutr.enabled = false\n"), dir.resolve("a/data"));
        NodeProcess b = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b/data"))) {
      r.awaitReady();
      a.awaitReady();
      b.awaitReady();
      String relayAddr = r.client("p2p:addrs").out().strip();
      String aPeer = a.banner("peer ID");

      NodeProcess.Result reserved = a.client("p2p:reserve", relayAddr);
      assertEquals(0, reserved.exit(), reserved.toString());
      String circuit = reserved.out().strip();
      assertEquals(relayAddr + "/p2p-circuit/p2p/" + aPeer, circuit);

      NodeProcess.Result ping = b.client("p2p:ping", "-c", "2", circuit);
      assertEquals(0, ping.exit(), ping.toString());
      assertTrue(ping.out().contains("PING " + aPeer) && ping.out().contains("(relayed)"), ping.out());
      NodeProcess.Result echo = b.client("p2p:echo", "-n", "1000000", aPeer);
      assertEquals(0, echo.exit(), echo.toString());
      assertTrue(echo.out().matches("(?s).*identical\\s+true.*"), echo.out());
      NodeProcess.Result peers = a.client("p2p:peers");
      assertTrue(peers.out().contains(b.banner("peer ID")) && peers.out().contains("relayed"), peers.out());

      NodeProcess.Result refused = b.client("p2p:reserve", a.client("p2p:addrs").out().strip());
      assertTrue(refused.exit() != 0 && refused.err().contains("PERMISSION_DENIED"),
          "a node that relays only for trusted peers refuses a stranger: " + refused);
    }
  }

  private static Path relayInstallation(Path dir) throws Exception {
    return installation(dir, "relay.hop.enabled = true\n");
  }

  private static Path installation(Path dir, String libp2pCfg) throws Exception {
    Path home = NodeProcess.installation(dir);
    Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), libp2pCfg);
    return home;
  }

  /** The data row of {@code relay} in p2p:relays output, or "" if it is not listed. */
  private static String relayRow(NodeProcess n, String relayPeer) throws Exception {
    for (String line : n.client("p2p:relays").out().split("\n")) {
      if (line.strip().startsWith(relayPeer)) {
        return line.strip();
      }
    }
    return "";
  }

  private static String circuitAddress(NodeProcess n) throws Exception {
    return java.util.Arrays.stream(n.client("p2p:addrs").out().split("\n")).map(String::strip)
        .filter(a -> a.contains("/p2p-circuit/")).findFirst().orElse("");
  }

  @Test
  void aNodeWithoutListenerKeepsARelayReservationRefreshesItAndMovesToAnotherRelay() throws Exception {
    // r lets reservations last 4 s, so a refresh (at 3/4) shows within the test
    Path rHome = installation(dir.resolve("r"), "relay.hop.enabled = true\nrelay.reservation.seconds = 4\n");
    try (NodeProcess r = NodeProcess.start(rHome, dir.resolve("r/data"));
        NodeProcess r2 = NodeProcess.start(relayInstallation(dir.resolve("r2")), dir.resolve("r2/data"));
        // no DCUtR on q: it would dial b directly, and the test is about q being reachable through its relays
        NodeProcess q = NodeProcess.start(installation(dir.resolve("q"),
            "listen.addresses =\nrelay.client.max = 1\ndcutr.enabled = false\n"),
            dir.resolve("q/data"));
        NodeProcess b = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b/data"))) {
      r.awaitReady();
      r2.awaitReady();
      q.awaitReady();
      b.awaitReady();
      assertTrue(q.bannerValues("listening").isEmpty(), "q listens nowhere:\n" + q.out());
      String rAddr = r.client("p2p:addrs").out().strip();
      String rPeer = r.banner("peer ID");
      String qPeer = q.banner("peer ID");

      NodeProcess.Result connected = q.client("p2p:connect", rAddr);
      assertEquals(0, connected.exit(), connected.toString());
      Await.until(java.time.Duration.ofSeconds(30), NodeProcess.CLIENT_POLL,
          () -> relayRow(q, rPeer).contains(" reserved "),
          "q's reservation at r in p2p:relays");
      String circuit = rAddr + "/p2p-circuit/p2p/" + qPeer;
      assertEquals(circuit, circuitAddress(q), "p2p:addrs lists the circuit address");
      String firstExpiry = relayRow(q, rPeer).split("\\s+")[2];
      Await.until(java.time.Duration.ofSeconds(30), NodeProcess.CLIENT_POLL, () -> {
        String[] row = relayRow(q, rPeer).split("\\s+");
        return row.length > 2 && row[1].equals("reserved") && !row[2].equals(firstExpiry);
      }, "the reservation refreshed before its 4 s ran out");

      NodeProcess.Result ping = b.client("p2p:ping", circuit);
      assertEquals(0, ping.exit(), ping.toString());
      assertTrue(ping.out().contains("PING " + qPeer) && ping.out().contains("(relayed)"), ping.out());

      String r2Addr = r2.client("p2p:addrs").out().strip();
      assertEquals(0, q.client("p2p:connect", r2Addr).exit());
      r.kill9();
      String r2Peer = r2.banner("peer ID");
      Await.until(java.time.Duration.ofSeconds(60), NodeProcess.CLIENT_POLL,
          () -> relayRow(q, r2Peer).contains(" reserved "),
          "q moved to r2 once r was gone");
      assertTrue(relayRow(q, rPeer).contains("failed"), q.client("p2p:relays").out());
      String circuit2 = r2Addr + "/p2p-circuit/p2p/" + qPeer;
      Await.until(java.time.Duration.ofSeconds(10), NodeProcess.CLIENT_POLL, () -> circuitAddress(q).equals(circuit2),
          "p2p:addrs lists the circuit through r2");
      NodeProcess.Result ping2 = b.client("p2p:ping", circuit2);
      assertEquals(0, ping2.exit(), ping2.toString());
      assertTrue(ping2.out().contains("(relayed)"), ping2.out());
    }
  }

  @Test
  void jsReservesAtAJavaRelayAndAJavaNodeReachesItThroughIt() throws Exception {
    try (NodeProcess r = NodeProcess.start(relayInstallation(dir.resolve("r")), dir.resolve("r/data"));
        NodeProcess b = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b/data"))) {
      r.awaitReady();
      b.awaitReady();
      String relayAddr = r.client("p2p:addrs").out().strip();
      try (JsLibp2p js = JsLibp2p.start("listen", "--relay", relayAddr)) {
        String hello = js.nextLine(java.time.Duration.ofSeconds(30));
        String jsPeer = JsLibp2p.field(hello, "\"peerId\":\"([^\"]+)\"");
        String circuit = JsLibp2p.field(hello, "\"(/[^\"]+/p2p-circuit/p2p/[^\"]+)\"");
        assertEquals(relayAddr + "/p2p-circuit/p2p/" + jsPeer, circuit, "js reserved at the Java relay");
        NodeProcess.Result ping = b.client("p2p:ping", "-c", "2", circuit);
        assertEquals(0, ping.exit(), ping.toString());
        assertTrue(ping.out().contains("PING " + jsPeer) && ping.out().contains("(relayed)"), ping.out());
        NodeProcess.Result echo = b.client("p2p:echo", "-n", "1000000", jsPeer);
        assertEquals(0, echo.exit(), echo.toString());
        assertTrue(echo.out().matches("(?s).*identical\\s+true.*"), echo.out());
      }
    }
  }

  @Test
  void aJavaNodeReservesAtAJsRelayAndAnotherReachesItThroughIt() throws Exception {
    try (JsLibp2p relay = JsLibp2p.start("relay-server");
        NodeProcess a = NodeProcess.start(NodeProcess.installation(dir.resolve("a")), dir.resolve("a/data"));
        NodeProcess b = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b/data"))) {
      String relayAddr = JsLibp2p.field(relay.nextLine(java.time.Duration.ofSeconds(30)), "\"addrs\":\\[\"([^\"]+)\"");
      a.awaitReady();
      b.awaitReady();
      String aPeer = a.banner("peer ID");
      NodeProcess.Result reserved = a.client("p2p:reserve", relayAddr);
      assertEquals(0, reserved.exit(), reserved.toString());
      String circuit = reserved.out().strip();
      assertEquals(relayAddr + "/p2p-circuit/p2p/" + aPeer, circuit);
      NodeProcess.Result ping = b.client("p2p:ping", "-c", "2", circuit);
      assertEquals(0, ping.exit(), ping.toString());
      assertTrue(ping.out().contains("PING " + aPeer) && ping.out().contains("(relayed)"), ping.out());
      NodeProcess.Result echo = b.client("p2p:echo", "-n", "100000", aPeer);
      assertEquals(0, echo.exit(), echo.toString());
      assertTrue(echo.out().matches("(?s).*identical\\s+true.*"), echo.out());
    }
  }
}
