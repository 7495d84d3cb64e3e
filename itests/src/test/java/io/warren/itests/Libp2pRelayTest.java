package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
         NodeProcess a = NodeProcess.start(NodeProcess.installation(dir.resolve("a")), dir.resolve("a/data"));
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
    Path home = NodeProcess.installation(dir);
    Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), "relay.hop.enabled = true\n");
    return home;
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
