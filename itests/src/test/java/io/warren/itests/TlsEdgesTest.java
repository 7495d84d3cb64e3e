package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several edges for one site. Public nodes E1 and E2 both serve {@code app.warren.test} (a
 * certificate of one's own, imported on each) for private node P, which lets both in; E1's route
 * names two targets, a service behind E2 first and P second. E2 is killed with SIGKILL mid-test:
 * the next connection through E1 goes to P at once, E1's {@code tls:route list} and P's {@code
 * proxy:list} show E2 not live (text and JSON) while E1 and P stay live, and E1 keeps serving.
 */
class TlsEdgesTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String APP = "app.warren.test";
  @TempDir Path dir;
  private final TlsSites sites = new TlsSites();

  @AfterEach
  void stop() {
    sites.close();
  }

  private static void ok(Result r) {
    assertEquals(0, r.exit(), r.toString());
  }

  private static Result curl(Path root, int port, String path) throws Exception {
    return TlsSites.curl(root, port, APP, path);
  }

  private static Path edge(Path dir, String name, int listen) throws Exception {
    Path home = NodeProcess.installation(dir.resolve(name), name);
    NodeProcess.configure(home, "io.warren.tls", "listen = true\nlisten.host = 127.0.0.1\nlisten.port = " + listen
        + "\nhealth.check.seconds = 1\n");
    NodeProcess.configure(home, "io.warren.proxy", "health.check.seconds = 1\n");
    return home;
  }

  @Test
  void whenOneEdgeDiesNewConnectionsGoThroughTheOtherAndItIsShownNotLive() throws Exception {
    int behindP = sites.service("hello from behind p,");
    int behindE2 = sites.service("hello from behind e2,");
    int e1Port = NodeProcess.freePort();
    int e2Port = NodeProcess.freePort();
    Path e1Home = edge(dir, "e1", e1Port);
    Path e2Home = edge(dir, "e2", e2Port);
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    NodeProcess.configure(pHome, "io.warren.proxy", "health.check.seconds = 1\n");
    String d = dir.toString();
    Path root = TlsSites.selfSigned(dir, "app", APP);
    try (NodeProcess e1 = NodeProcess.startMember(e1Home, dir.resolve("e1/data"), "edges:NetPass", "admin:E1Admin",
        null);
        // E2 and P start side by side (each alone would wait for the other's start)
        NodeProcess e2 = NodeProcess.start(e2Home, dir.resolve("e2/data"), "-dnc", "edges:NetPass", "-rc",
            "admin:E2Admin", "-bs", e1.identity());
        NodeProcess p = NodeProcess.start(pHome, dir.resolve("p/data"), "-dnc", "edges:NetPass", "-rc",
            "admin:PAdmin", "-bs", e1.identity())) {
      e2.awaitReady();
      p.awaitReady();
      String e1Id = e1.banner("peer ID");
      String e2Id = e2.banner("peer ID");
      String pId = p.banner("peer ID");
      e1.awaitClient(WAIT, o -> o.out().contains(e2Id) && o.out().contains(pId), "net:nodes");
      e2.awaitClient(WAIT, o -> o.out().contains(pId), "net:nodes");
      p.awaitClient(WAIT, o -> o.out().contains(e1Id) && o.out().contains(e2Id), "net:nodes");

      // both edges hold the site's key; P lets both in, E2 lets E1 in to its own service
      ok(e1.client("tls:import", d + "/app.pem", d + "/app.key"));
      ok(e2.client("tls:import", d + "/app.pem", d + "/app.key"));
      ok(p.client("proxy:add", "--direction", "ingress", "--origin", "e1", "--port", Integer.toString(behindP)));
      ok(p.client("proxy:add", "--direction", "ingress", "--origin", "e2", "--port", Integer.toString(behindP)));
      ok(e2.client("proxy:add", "--direction", "ingress", "--origin", "e1", "--port", Integer.toString(behindE2)));
      Result route = e1.client("tls:route", "add", APP, "--target", "e2:" + behindE2 + ",p:" + behindP);
      ok(route);
      assertTrue(route.out().contains(APP + " -> libp2p:" + e2Id + ":" + behindE2 + ",libp2p:" + pId + ":" + behindP
          + " (terminate)"), route.toString());
      ok(e2.client("tls:route", "add", APP, "--target", "p:" + behindP));
      Result twice = e1.client("tls:route", "add", APP, "--target", "p:" + behindP + ",p:" + behindP);
      assertNotEquals(0, twice.exit(), twice.toString());

      // every target and edge answers its health check
      String e2Target = "libp2p:" + e2Id + ":" + behindE2;
      String pTarget = "libp2p:" + pId + ":" + behindP;
      e1.awaitClient(WAIT, o -> o.out().contains("  " + e2Target + ": live since")
          && o.out().contains("  " + pTarget + ": live since"), "tls:route", "list");
      p.awaitClient(WAIT, o -> o.out().contains("e1 live since") && o.out().contains("e2 live since"), "proxy:list");

      // the site through either edge: E1 sends it to its first target, E2 to P
      Result viaE1 = curl(root, e1Port, "/one");
      ok(viaE1);
      assertEquals("hello from behind e2, /one", viaE1.out().strip());
      Result viaE2 = curl(root, e2Port, "/two");
      ok(viaE2);
      assertEquals("hello from behind p, /two", viaE2.out().strip());

      e2.kill9();
      // the next connection through E1 goes on to P at once: E2 cannot be reached, the route's next target can
      Result failover = curl(root, e1Port, "/three");
      ok(failover);
      assertEquals("hello from behind p, /three", failover.out().strip());
      assertNotEquals(0, curl(root, e2Port, "/gone").exit(), "E2 is gone");

      // and the operators see it: E1's route target on E2, and P's edge E2, not live; the others live
      Result e1Routes = e1.awaitClient(WAIT, o -> o.out().contains("  " + e2Target + ": NOT LIVE since"),
          "tls:route", "list");
      assertTrue(e1Routes.out().contains("  " + pTarget + ": live since"), e1Routes.toString());
      Result e1Json = e1.client("tls:route", "list", "--json");
      assertTrue(e1Json.out().replace(" ", "").contains("\"peer\":\"libp2p:" + e2Id + "\",\"port\":" + behindE2
          + ",\"live\":false"), e1Json.toString());
      Result pRules = p.awaitClient(WAIT, o -> o.out().contains("e2 NOT LIVE since"), "proxy:list");
      assertTrue(pRules.out().contains("e1 live since"), pRules.toString());
      Result pJson = p.client("proxy:list", "--json");
      assertTrue(pJson.out().replace(" ", "").contains("\"peerLive\":false"), pJson.toString());
      assertTrue(pJson.out().replace(" ", "").contains("\"peerLive\":true"), pJson.toString());

      // new connections keep going through E1 to P, the live target first
      for (int i = 0; i < 3; i++) {
        Result again = curl(root, e1Port, "/again" + i);
        ok(again);
        assertEquals("hello from behind p, /again" + i, again.out().strip());
      }
    }
  }
}
