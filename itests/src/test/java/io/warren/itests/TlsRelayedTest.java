package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private node reachable only through a relay: Q listens nowhere (as a node behind NAT) and
 * keeps a reservation at relay R; public node P reaches Q through R only (DCUtR off on both, so
 * the relayed connection is never upgraded to a direct one). P serves one name terminated on P and
 * one passed through to Q's own TLS listener, both over the relayed connection; the bytes that
 * come back are the services'. Then P's default route ({@code *}) sends a name P has no route for
 * on to Q's listener.
 */
class TlsRelayedTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String TERM = "term.relay.test";
  private static final String PASS = "pass.relay.test";
  @TempDir Path dir;
  private HttpServer service;

  @AfterEach
  void stop() {
    if (service != null) {
      service.stop(0);
    }
  }

  private static void ok(Result r) {
    assertEquals(0, r.exit(), r.toString());
  }

  private static Result curl(Path root, int port, String host, String path) throws Exception {
    return TlsSites.curl(root, port, host, path);
  }

  /** The row of {@code peer} in a node's p2p:peers, or "". */
  private static String peerRow(NodeProcess n, String peer) throws Exception {
    return n.client("p2p:peers").out().lines().filter(l -> l.contains(peer)).findFirst().orElse("");
  }

  @Test
  void tlsTerminatedAndPassedThroughReachesAPrivateNodeThroughARelay() throws Exception {
    service = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    service.createContext("/", ex -> {
      // 64 KiB that depend on the path, so a byte lost or out of order on the way shows
      StringBuilder body = new StringBuilder();
      for (int i = 0; body.length() < 65536; i++) {
        body.append(ex.getRequestURI().getPath()).append(' ').append(i).append('\n');
      }
      byte[] out = body.toString().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    service.start();
    int behindQ = service.getAddress().getPort();
    int pListen = NodeProcess.freePort();
    int qListen = NodeProcess.freePort();
    Path rHome = NodeProcess.installation(dir.resolve("r"), "r");
    NodeProcess.configure(rHome, "io.warren.libp2p", NodeProcess.LOOPBACK_LISTEN + "\nrelay.hop.enabled = true\n");
    Path qHome = NodeProcess.installation(dir.resolve("q"), "q");
    NodeProcess.configure(qHome, "io.warren.libp2p", "listen.addresses =\ndcutr.enabled = false\n");
    NodeProcess.configure(qHome, "io.warren.tls", "listen = true\nlisten.host = 127.0.0.1\nlisten.port = " + qListen
        + "\n");
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    NodeProcess.configure(pHome, "io.warren.libp2p", NodeProcess.LOOPBACK_LISTEN + "\ndcutr.enabled = false\n");
    NodeProcess.configure(pHome, "io.warren.tls", "listen = true\nlisten.host = 127.0.0.1\nlisten.port = " + pListen
        + "\n");
    String d = dir.toString();
    Path root = TlsSites.selfSigned(dir, "site", TERM, PASS);
    try (NodeProcess r = NodeProcess.start(rHome, dir.resolve("r/data"));
        NodeProcess q = NodeProcess.start(qHome, dir.resolve("q/data"));
        NodeProcess p = NodeProcess.start(pHome, dir.resolve("p/data"))) {
      r.awaitReady();
      q.awaitReady();
      p.awaitReady();
      assertTrue(q.bannerValues("listening").stream().noneMatch(a -> a.startsWith("/ip4")),
          "q listens nowhere:\n" + q.out());
      String rAddr = r.client("p2p:addrs").out().strip();
      String rId = r.banner("peer ID");
      String qId = q.banner("peer ID");
      String pId = p.banner("peer ID");

      // Q reserves at R; P reaches Q at its circuit address only
      ok(q.client("p2p:connect", rAddr));
      q.awaitClient(WAIT, o -> o.out().lines().anyMatch(l -> l.strip().startsWith(rId) && l.contains(" reserved ")),
          "p2p:relays");
      ok(p.client("p2p:connect", rAddr + "/p2p-circuit/p2p/" + qId));

      // Q: the key for the passed-through name, P let in to its service and its listener
      ok(p.client("tls:import", d + "/site.pem", d + "/site.key"));
      ok(q.client("tls:import", d + "/site.pem", d + "/site.key"));
      ok(q.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port", Integer.toString(behindQ)));
      ok(q.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port", Integer.toString(qListen)));
      ok(q.client("tls:route", "add", PASS, "--target", "localhost:" + behindQ));
      ok(p.client("tls:route", "add", TERM, "--target", qId + ":" + behindQ));
      ok(p.client("tls:route", "add", PASS, "--target", qId + ":" + qListen, "--mode", "passthrough"));

      for (String name : List.of(TERM, PASS)) {
        Result got = curl(root, pListen, name, "/" + name);
        ok(got);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; expected.length() < 65536; i++) {
          expected.append('/').append(name).append(' ').append(i).append('\n');
        }
        assertEquals(expected.toString(), got.out(), "every byte as the service sent it, for " + name);
      }
      // and the only way between P and Q was the relay
      String row = peerRow(p, qId);
      assertTrue(row.contains("relayed"), "P reaches Q relayed: " + p.client("p2p:peers").out());
      assertTrue(peerRow(q, pId).contains("relayed"), "Q sees P relayed: " + q.client("p2p:peers").out());
      // the default route: P forgets PASS and sends every name it has no route for to Q's listener
      ok(p.client("tls:route", "remove", PASS));
      // the console does not glob: a bare * is the default route
      ok(p.client("tls:route", "add", "*", "--target", qId + ":" + qListen, "--mode", "passthrough"));
      Result byDefault = curl(root, pListen, PASS, "/default");
      ok(byDefault);
      assertTrue(byDefault.out().startsWith("/default 0\n"), byDefault.toString());
      // the route's target is live through the relay too
      p.awaitClient(WAIT, o -> o.out().contains("  libp2p:" + qId + ":" + behindQ + ": live since"), "tls:route",
          "list");
    }
  }
}
