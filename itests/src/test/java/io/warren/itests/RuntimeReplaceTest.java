package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.EchoServer;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transports and services are bundles that can be stopped, started and updated while the node
 * runs, without the others failing: the Nostr relay keeps serving while libp2p is stopped, and
 * libp2p connections stay up while the proxy bundle is updated (its rules come back by themselves).
 */
class RuntimeReplaceTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  @TempDir Path dir;

  /** The bundle id of {@code symbolicName} from {@code felix:lb -s}. */
  static String bundleId(NodeProcess node, String symbolicName) throws Exception {
    Result lb = node.client("felix:lb", "-s");
    assertEquals(0, lb.exit(), lb.toString());
    for (String line : lb.out().split("\n")) {
      String[] cols = line.split("\\|");
      if (cols.length >= 4 && cols[3].strip().startsWith(symbolicName + " ")) {
        return cols[0].strip();
      }
    }
    throw new AssertionError("no bundle " + symbolicName + " in felix:lb -s:\n" + lb);
  }

  /** The state column of {@code symbolicName} in {@code felix:lb -s}. */
  static String bundleState(NodeProcess node, String symbolicName) throws Exception {
    Result lb = node.client("felix:lb", "-s");
    for (String line : lb.out().split("\n")) {
      String[] cols = line.split("\\|");
      if (cols.length >= 4 && cols[3].strip().startsWith(symbolicName + " ")) {
        return cols[1].strip();
      }
    }
    throw new AssertionError("no bundle " + symbolicName + " in felix:lb -s:\n" + lb);
  }

  @Test
  void theRelayKeepsServingWhileLibp2pIsStopped() throws Exception {
    Path home = NodeProcess.installation(dir);
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"), "--relay-port", "0")) {
      node.awaitReady();
      String url = node.bannerValues("listening").stream().filter(a -> a.startsWith("ws://")).findFirst()
          .orElseThrow(() -> new AssertionError("no ws:// address in the banner:\n" + node.out()));
      String libp2p = bundleId(node, "io.warren.libp2p");
      Result stop = node.client("felix:stop", libp2p);
      assertEquals(0, stop.exit(), stop.toString());
      Await.until(WAIT, () -> bundleState(node, "io.warren.libp2p").equals("Resolved"), "libp2p to stop");
      Result p2p = node.client("p2p:addrs");
      assertNotEquals(0, p2p.exit(), "p2p commands are gone with their bundle: " + p2p);

      Path itests = Path.of(System.getProperty("warren.itests.dir"));
      Result client = NodeProcess.run(List.of("node", "--experimental-websocket", "--no-warnings",
          itests.resolve("src/test/js/nostr-tools-client.mjs").toString(), url), null);
      assertEquals(0, client.exit(), "nostr-tools against the relay with libp2p stopped:\n" + client);
      Result relay = node.client("relay:info");
      assertEquals(0, relay.exit(), relay.toString());
      assertTrue(relay.out().matches("(?s).*stored-events\\s+[1-9].*"), relay.toString());

      Result start = node.client("felix:start", libp2p);
      assertEquals(0, start.exit(), start.toString());
      Await.until(WAIT, () -> node.client("p2p:addrs").out().contains("/p2p/"), "libp2p to listen again");
      assertTrue(node.alive());
    }
  }

  /** {@code p2p:peers}' line for {@code peerId}: peer, address (with the remote port), direction. */
  private static Optional<String> connection(NodeProcess node, String peerId) throws Exception {
    for (String line : node.client("p2p:peers").out().split("\n")) {
      if (line.contains(peerId)) {
        String[] cols = line.strip().split("\\s+");
        return Optional.of(cols[0] + " " + cols[1] + " " + cols[2]);
      }
    }
    return Optional.empty();
  }

  @Test
  void libp2pConnectionsStayUpWhileTheProxyBundleIsUpdated() throws Exception {
    try (ServerSocket service = EchoServer.start();
        NodeProcess p = NodeProcess.startMember(NodeProcess.installation(dir.resolve("p"), "p"), dir.resolve("p/data"),
            "mynet:NetPass", "admin:PAdmin", null)) {
      String pId = p.banner("peer ID");
      try (NodeProcess q =
          NodeProcess.startMember(NodeProcess.installation(dir.resolve("q"), "q"), dir.resolve("q/data"),
              "mynet:NetPass", "admin:QAdmin", p.identity())) {
        String qId = q.banner("peer ID");
        p.awaitClient(WAIT, o -> o.out().contains(qId), "net:nodes");
        int port = NodeProcess.freePort();
        Result egress = p.client("proxy:add", "--direction", "egress", "--port", String.valueOf(port), "--target",
            qId + ":" + service.getLocalPort());
        assertEquals(0, egress.exit(), egress.toString());
        Result ingress = q.client("proxy:add", "--direction", "ingress", "--origin", pId + ":" + port, "--port",
            String.valueOf(service.getLocalPort()));
        assertEquals(0, ingress.exit(), ingress.toString());
        Await.until(WAIT, () -> EchoServer.echoes(port), "the rule to carry bytes");
        String before = connection(p, qId).orElseThrow(() -> new AssertionError("no connection to q"));

        String proxy = bundleId(p, "io.warren.proxy");
        Result update = p.client("felix:update", proxy);
        assertEquals(0, update.exit(), update.toString());
        Await.until(WAIT, () -> bundleState(p, "io.warren.proxy").equals("Active"), "the proxy bundle to restart");
        Await.until(WAIT, () -> EchoServer.echoes(port), "the stored rule to carry bytes again after the update");
        assertEquals(before, connection(p, qId).orElse("(none)"),
            "the libp2p connection to q is the same one (same address and direction) after the update");
        assertTrue(p.alive() && q.alive());
      }
    }
  }
}
