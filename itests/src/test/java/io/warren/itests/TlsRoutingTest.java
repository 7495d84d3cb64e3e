package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hostnames on one public port, routed by SNI to two private nodes: {@code one} terminates on
 * public node P (its key from pebble), {@code two} passes through P untouched and terminates on Q2,
 * which holds the key P obtained and copied there with Q2's admin authorisation ({@code tls:copy})
 * and then forgot. curl and {@code openssl s_client -servername} verify each chain against pebble's
 * root.
 */
class TlsRoutingTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String ONE = "one.warren.test";
  private static final String TWO = "two.warren.test";
  @TempDir Path dir;
  private Pebble pebble;
  private final List<HttpServer> services = new ArrayList<>();

  @AfterEach
  void stop() {
    if (pebble != null) {
      pebble.close();
    }
    services.forEach(s -> s.stop(0));
  }

  private int service(String says) throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    http.createContext("/", ex -> {
      byte[] out = (says + " " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    http.start();
    services.add(http);
    return http.getAddress().getPort();
  }

  private static void ok(Result r) {
    assertEquals(0, r.exit(), r.toString());
  }

  private static Result curl(Path root, int port, String host, String path) throws Exception {
    return NodeProcess.run(List.of("curl", "-sS", "--max-time", "10", "--cacert", root.toString(), "--resolve",
        host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + path), null);
  }

  private static Result sClient(Path root, int port, String... servername) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-CAfile", root.toString(), "-verify_return_error", "-brief"));
    cmd.addAll(List.of(servername));
    return NodeProcess.run(cmd, "");
  }

  @Test
  void twoNamesOnOnePortGoToTwoPrivateNodesOneTerminatedOnePassedThrough() throws Exception {
    int s1 = service("hello from behind q1,");
    int s2 = service("hello from behind q2,");
    pebble = new Pebble(dir);
    int listen = NodeProcess.freePort();
    int q2Listen = NodeProcess.freePort();
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    NodeProcess.configure(pHome, "io.warren.tls", pebble.nodeConfig(listen));
    Path q1Home = NodeProcess.installation(dir.resolve("q1"), "q1");
    Path q2Home = NodeProcess.installation(dir.resolve("q2"), "q2");
    // Q2 terminates TLS itself, on loopback only: what reaches it comes through the overlay
    NodeProcess.configure(q2Home, "io.warren.tls", "listen = true\nlisten.host = 127.0.0.1\nlisten.port = "
        + q2Listen + "\n");
    try (NodeProcess p = NodeProcess.startMember(pHome, dir.resolve("p/data"), "edge:NetPass", "admin:PAdmin", null);
        NodeProcess q1 = NodeProcess.startMember(q1Home, dir.resolve("q1/data"), "edge:NetPass", "admin:Q1Admin",
            p.identity());
        NodeProcess q2 = NodeProcess.startMember(q2Home, dir.resolve("q2/data"), "edge:NetPass", "admin:Q2Admin",
            p.identity())) {
      String pId = p.banner("peer ID");
      String q1Id = q1.banner("peer ID");
      String q2Id = q2.banner("peer ID");
      p.awaitClient(WAIT, o -> o.out().contains(q1Id) && o.out().contains(q2Id), "net:nodes");

      // P obtains both keys from pebble (two with a second name), in the seeds' spelling for one
      ok(p.client("tls", "--hostname", ONE, "--key-prefix", "one"));
      ok(p.client("tls:request", "--hostname", TWO + ",www." + TWO, "--key-prefix", "two"));
      String keys = p.client("tls:keys").out();
      assertTrue(keys.contains("two  " + TWO + ",www." + TWO), keys);
      assertFalse(keys.contains("PRIVATE KEY"), keys);

      // two goes to Q2 with Q2's admin authorisation; a wrong password is refused there
      Result refused = p.client("tls:copy", "--prefix", "two", "--to", "q2", "--credentials", "admin:wrong");
      assertNotEquals(0, refused.exit(), refused.toString());
      ok(p.client("tls:copy", "--prefix", "two", "--to", "q2", "--credentials", "admin:Q2Admin"));
      String q2Keys = q2.client("tls:keys").out();
      assertTrue(q2Keys.contains("two  " + TWO + ",www." + TWO) && q2Keys.contains("copy_from_p"), q2Keys);
      // and P forgets it: whatever P serves for two from now on, P cannot be terminating it
      ok(p.client("tls:remove", "two"));
      assertFalse(p.client("tls:keys").out().contains(TWO));

      // Q1 and Q2 let P in to one port each; Q2's own listener sends two to its service
      ok(q1.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port", Integer.toString(s1)));
      ok(q2.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port", Integer.toString(q2Listen)));
      ok(q2.client("tls:route", "add", TWO, "--target", "localhost:" + s2));
      ok(p.client("tls:route", "add", ONE, "--target", q1Id + ":" + s1));
      ok(p.client("tls:route", "add", TWO, "--target", "q2:" + q2Listen, "--mode", "passthrough"));
      assertTrue(p.client("tls:route", "list").out().contains(TWO + " -> libp2p:" + q2Id + ":" + q2Listen
          + " (passthrough)"));

      Path root = pebble.root();
      Result one = curl(root, listen, ONE, "/a");
      ok(one);
      assertEquals("hello from behind q1, /a", one.out().strip());
      Result two = curl(root, listen, TWO, "/b");
      ok(two);
      assertEquals("hello from behind q2, /b", two.out().strip());

      // openssl sees each name's chain verified against pebble's root, through the same port
      for (String name : List.of(ONE, TWO)) {
        Result s = sClient(root, listen, "-servername", name);
        ok(s);
        assertTrue(s.err().contains("Verification: OK") && s.err().contains("CN = " + name)
            || s.err().contains("Verification: OK") && s.err().contains("CN=" + name), s.toString());
      }
      // no SNI, and a name P has no route for: refused before any certificate
      Result none = sClient(root, listen, "-noservername");
      assertNotEquals(0, none.exit(), none.toString());
      assertTrue(none.err().contains("unrecognized name"), none.toString());
      Result other = sClient(root, listen, "-servername", "other.warren.test");
      assertNotEquals(0, other.exit(), other.toString());
      assertTrue(other.err().contains("unrecognized name"), other.toString());
      ok(curl(root, listen, TWO, "/still"));
    }
  }
}
