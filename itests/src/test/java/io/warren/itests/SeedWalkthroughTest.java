package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.HttpEcho;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' walkthrough, driven only through {@code warren client} in the seeds' spelling: two
 * nodes each start in network {@code walk}, Q registers P's identity and joins, both list the
 * nodes, a proxy on P reaches a service behind Q, P gets a certificate from pebble (as TlsTest
 * starts it) under a key prefix and lists its keys, and metrics answer. Misuse gets a usage line.
 */
class SeedWalkthroughTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String HOST = "walk.warren.test";
  @TempDir Path dir;

  private static Result ok(Result r) {
    assertEquals(0, r.exit(), r.toString());
    assertFalse(r.err().contains("coerce"), r.toString());
    return r;
  }

  @Test
  void theSeedsWalkthroughRunsThroughWarrenClient() throws Exception {
    int egress = NodeProcess.freePort();
    int listen = NodeProcess.freePort();
    try (HttpEcho service = HttpEcho.start(); Pebble pebble = new Pebble(dir, listen)) {
      walkthrough(service.port(), egress, listen, pebble);
    }
  }

  private void walkthrough(int service, int egress, int listen, Pebble pebble) throws Exception {
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    NodeProcess.configure(pHome, "io.warren.tls", pebble.nodeConfig(listen));
    Path qHome = NodeProcess.installation(dir.resolve("q"), "q");
    // both create (or join) network walk; neither is told of the other at start
    try (NodeProcess p = NodeProcess.startMember(pHome, dir.resolve("p/data"), "walk:NetPass", "admin:PAdmin", null);
        NodeProcess q = NodeProcess.startMember(qHome, dir.resolve("q/data"), "walk:NetPass", "admin:QAdmin", null)) {
      String pId = p.banner("peer ID");
      String qId = q.banner("peer ID");

      // identity, in both spellings
      assertTrue(ok(p.client("identity")).out().contains(pId));
      String b64 = ok(p.client("id", "--b64")).out().strip();
      Result wrong = p.client("identity", "--b65");
      assertEquals(2, wrong.exit(), wrong.toString());
      assertTrue(wrong.err().contains("unknown flag --b65 (usage: warren client identity|id [--b64])"), wrong.err());
      assertFalse(wrong.err().contains("coerce"), wrong.toString());

      // the native commands behind the aliases answer misuse with their usage too
      for (String[] misuse : new String[][] {{"node:hash-password", "secret"}, {"net:register"},
          {"node:whoami", "--all"}}) {
        Result r = p.client(misuse);
        assertTrue(r.exit() != 0 && r.err().contains("usage: " + misuse[0]) && !r.err().contains("coerce"),
            String.join(" ", misuse) + ": " + r);
      }

      // register: Q joins through P; login: the admin's credentials checked, a wrong password refused
      assertTrue(ok(q.client("register", "--b64", b64)).out().contains(pId));
      assertTrue(ok(p.clientWithInput("PAdmin\n", "--user", "admin", "--password-stdin", "login")).out()
          .contains("admin of p"));
      assertEquals(3, p.clientWithInput("wrong\n", "--user", "admin", "--password-stdin", "login").exit());
      String hashed = ok(p.clientWithInput("s3cret-Pass\n", "hash-password")).out().strip();
      assertTrue(hashed.matches("hashed_\\$2b\\$\\d\\d\\$[./A-Za-z0-9]{53}"), hashed);

      // nodes: each sees the other (JSON by default, a table with --ls)
      q.awaitClient(WAIT, r -> r.exit() == 0 && r.out().contains(pId), "nodes");
      p.awaitClient(WAIT, r -> r.exit() == 0 && r.out().contains(qId), "nodes", "--ls");

      // proxy: Q accepts P's streams for its service; P listens and forwards there
      ok(q.client("proxy", "--direction", "ingress", "--origin", "p", "--port", Integer.toString(service),
          "--network", "walk"));
      ok(p.client("proxy", "--direction", "egress", "--port", Integer.toString(egress), "--target",
          "q:" + service, "--network", "walk"));
      assertTrue(ok(p.client("proxies")).out().contains("egress"));
      HttpClient web = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> {
        HttpResponse<String> r = web.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + egress + "/"))
            .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("hello through p and q"))
            .build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 && r.body().equals("hello through p and q");
      }, "the service behind q through p's proxy");

      // tls: a certificate from pebble kept under the key prefix; keys lists it
      Result cert = ok(p.client("tls", "--hostname", HOST, "--key-prefix", "walk"));
      assertTrue(cert.out().contains("certificate walk for " + HOST), cert.toString());
      Result keys = ok(p.client("keys"));
      assertTrue(keys.out().contains("walk") && keys.out().contains(HOST), keys.toString());
      assertFalse(keys.out().contains("PRIVATE KEY"), keys.toString());

      // metrics: this node's figures, and every node's
      assertTrue(ok(p.client("metrics")).out().length() > 0);
      // every node of the network has a row (q's says why without a grant for p)
      Result all = ok(p.client("all-metrics"));
      assertTrue(all.out().lines().anyMatch(l -> l.startsWith("p ")) && all.out().lines().count() >= 3,
          all.toString());
    }
  }
}
