package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DCUtR between node processes on loopback: a peer reached through a relay's circuit address gets
 * a direct connection when one is possible, and stays relayed, quietly, when it is not.
 */
class Libp2pDcutrTest {
  @TempDir Path dir;

  private static Path installation(Path dir, String libp2pCfg) throws Exception {
    Path home = NodeProcess.installation(dir);
    Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), libp2pCfg);
    return home;
  }

  private static String circuitAddress(NodeProcess n) throws Exception {
    return Arrays.stream(n.client("p2p:addrs").out().split("\n")).map(String::strip)
        .filter(a -> a.contains("/p2p-circuit/")).findFirst().orElse("");
  }

  /** r relays; q listens but keeps a reservation at r (reachability = private); x gets q's circuit address only. */
  private NodeProcess[] start(String xCfg) throws Exception {
    NodeProcess r =
        NodeProcess.start(installation(dir.resolve("r"), "relay.hop.enabled = true\n"), dir.resolve("r/data"));
    NodeProcess q =
        NodeProcess.start(installation(dir.resolve("q"), "reachability = private\n"), dir.resolve("q/data"));
    NodeProcess x = NodeProcess.start(installation(dir.resolve("x"), xCfg), dir.resolve("x/data"));
    return new NodeProcess[] {r, q, x};
  }

  /** Waits for all three, has q reserve a slot at r, and returns q's circuit address through r. */
  private static String reserveAtRelay(NodeProcess r, NodeProcess q, NodeProcess x) throws Exception {
    r.awaitReady();
    q.awaitReady();
    x.awaitReady();
    assertEquals(0, q.client("p2p:connect", r.client("p2p:addrs").out().strip()).exit());
    Await.until(Duration.ofSeconds(30), NodeProcess.CLIENT_POLL, () -> !circuitAddress(q).isEmpty(),
        "q's circuit address");
    return circuitAddress(q);
  }

  @Test
  void twoListeningPeersThatOnlyKnowACircuitAddressGoDirect() throws Exception {
    NodeProcess[] n = start("");
    try (NodeProcess r = n[0]; NodeProcess q = n[1]; NodeProcess x = n[2]) {
      String circuit = reserveAtRelay(r, q, x);
      String qPeer = q.banner("peer ID");

      NodeProcess.Result first = x.client("p2p:ping", circuit);
      assertEquals(0, first.exit(), first.toString());
      assertTrue(first.out().contains("(relayed)"), first.out());
      Await.until(Duration.ofSeconds(30), NodeProcess.CLIENT_POLL,
          () -> x.client("p2p:ping", qPeer).out().contains("(direct)"),
          "x's pings to q going direct");
      Await.until(Duration.ofSeconds(30), NodeProcess.CLIENT_POLL, () -> {
        String peers = x.client("p2p:peers").out();
        return peers.lines().filter(l -> l.startsWith(qPeer)).noneMatch(l -> l.contains("relayed"));
      }, "the idle relayed connection to q closed");
    }
  }

  @Test
  void aPeerWithoutListenerStaysRelayedWithoutComplaint() throws Exception {
    NodeProcess[] n = start("listen.addresses =\nreachability = public\n");
    try (NodeProcess r = n[0]; NodeProcess q = n[1]; NodeProcess x = n[2]) {
      String circuit = reserveAtRelay(r, q, x);
      String qPeer = q.banner("peer ID");

      // q tries DCUtR (x offers only the ephemeral port the relay saw): for longer than its three
      // attempts take, every ping still works and goes through the relay
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      String target = circuit;
      while (System.nanoTime() < until) {
        NodeProcess.Result ping = x.client("p2p:ping", target);
        assertEquals(0, ping.exit(), ping.toString());
        assertTrue(ping.out().contains("(relayed)"), ping.out());
        target = qPeer;
      }
      String logs = q.out() + q.err() + x.out() + x.err();
      assertFalse(logs.contains("WARN") || logs.contains("ERROR"), "no warnings or errors:\n" + logs);
    }
  }
}
