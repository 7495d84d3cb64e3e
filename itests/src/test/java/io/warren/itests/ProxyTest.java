package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walkthrough users rely on: a public node P forwards a port to a service on a node Q (which
 * could only dial out), with rules that come back after either node is killed, only the named
 * origin accepted, and a refused target closing the client at once.
 */
class ProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  @TempDir Path dir;
  private HttpServer http;
  private final byte[] body = new byte[3 << 20];

  @BeforeEach
  void service() throws IOException {
    new Random(7).nextBytes(body);
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    http.createContext("/", ex -> {
      byte[] in = ex.getRequestBody().readAllBytes();
      byte[] out = ex.getRequestMethod().equals("POST") ? in : body;
      ex.getResponseHeaders().add("X-Seen-Query", String.valueOf(ex.getRequestURI().getQuery()));
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    http.start();
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  private HttpResponse<byte[]> get(int port) throws Exception {
    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/file?x=1&y=2"))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Waits until {@code port} answers (connection refused or reset: not yet); what answers must be the file. */
  private void awaitServed(int port) throws Exception {
    Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> {
      HttpResponse<byte[]> r = get(port);
      assertEquals(200, r.statusCode());
      assertArrayEquals(body, r.body(), "the response comes through byte-identical");
      return true;
    }, "an answer through port " + port);
  }

  @Test
  void aPortOnOneNodeReachesAServiceOnAnotherAndSurvivesRestarts() throws Exception {
    int service = http.getAddress().getPort();
    int egress = NodeProcess.freePort();
    int refusedEgress = NodeProcess.freePort();
    int deadPort = NodeProcess.freePort();
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    Path qHome = NodeProcess.installation(dir.resolve("q"), "q");
    NodeProcess p = NodeProcess.startMember(pHome, dir.resolve("p/data"), "mynet:NetPass", "admin:PAdmin", null);
    String bootstrap = p.identity();
    NodeProcess q = NodeProcess.startMember(qHome, dir.resolve("q/data"), "mynet:NetPass", "admin:QAdmin", bootstrap);
    try (NodeProcess r = NodeProcess.startMember(NodeProcess.installation(dir.resolve("r"), "r"), dir.resolve("r/data"),
        "mynet:NetPass", "admin:RAdmin", bootstrap)) {
      String pId = p.banner("peer ID");
      String qId = q.banner("peer ID");
      p.awaitClient(WAIT, o -> o.out().contains(qId) && o.out().contains(r.banner("peer ID")), "net:nodes");

      // egress on P (seed spelling), and Q's ingress rule created from P with Q's admin credentials
      Result e = p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(egress),
          "--traffic-target", qId + ":" + service);
      assertEquals(0, e.exit(), e.toString());
      Result i = p.client("proxy:add", "--node", "q", "--credentials", "admin:QAdmin", "--direction", "ingress",
          "--origin", pId + ":" + egress, "--port", Integer.toString(service));
      assertEquals(0, i.exit(), i.toString());
      assertTrue(q.client("proxy:list").out().contains("ingress"), "the rule is on Q");
      awaitServed(egress);

      // a POST body goes the other way intact
      byte[] upload = new byte[1 << 20];
      new Random(3).nextBytes(upload);
      HttpResponse<byte[]> echoed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + egress + "/up")).POST(HttpRequest.BodyPublishers.ofByteArray(upload))
          .build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertArrayEquals(upload, echoed.body());

      // an iperf3 run through the pair
      int iperfPort = NodeProcess.freePort();
      int iperfEgress = NodeProcess.freePort();
      Process iperf = new ProcessBuilder("iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", Integer.toString(iperfPort))
          .redirectErrorStream(true).redirectOutput(dir.resolve("iperf-server.txt").toFile()).start();
      try {
        assertEquals(0, q.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port",
            Integer.toString(iperfPort)).exit());
        assertEquals(0, p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(iperfEgress),
            "--target", qId + ":" + iperfPort).exit());
        Result run =
            NodeProcess.run(List.of("iperf3", "-c", "127.0.0.1", "-p", Integer.toString(iperfEgress), "-t", "2",
                "-J"), null);
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("\"sum_received\"") && !run.out().contains("\"error\""), run.out());
      } finally {
        iperf.destroy();
      }

      // only the origin the ingress rule names gets in: R, a member, is turned away
      assertEquals(0, r.client("proxy:add", "--direction", "egress", "--port", Integer.toString(refusedEgress),
          "--target", qId + ":" + service).exit());
      assertClosedPromptly(refusedEgress);
      r.awaitClient(WAIT, o -> o.out().contains("1 failed"), "proxy:list");

      // a target that refuses connections: the client is closed at once and the rule stays
      assertEquals(0, q.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port",
          Integer.toString(deadPort)).exit());
      int deadEgress = NodeProcess.freePort();
      assertEquals(0, p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(deadEgress),
          "--target", qId + ":" + deadPort).exit());
      assertClosedPromptly(deadEgress);
      assertTrue(p.client("proxy:list").out().contains(":" + deadEgress), "the rule stays");
      assertTrue(q.client("proxy:list").out().contains("127.0.0.1:" + deadPort), "the rule stays");

      // bad input gets a clear error and nothing is stored
      Result busy = p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(egress), "--target",
          qId + ":1");
      assertNotEquals(0, busy.exit());
      assertTrue(busy.err().contains("already listens"), busy.toString());
      Result noTarget = p.client("proxy:add", "--direction", "egress", "--port", "1");
      assertTrue(noTarget.err().contains("--target"), noTarget.toString());
      Result badDir = p.client("proxy:add", "--direction", "sideways", "--port", "1", "--target", qId + ":1");
      assertTrue(badDir.err().contains("egress or ingress"), badDir.toString());
      Result unknown =
          p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(NodeProcess.freePort()),
              "--target", "nobody:80");
      assertTrue(unknown.err().contains("no node 'nobody'"), unknown.toString());

      // SIGKILL Q and start it again: its rules come back and traffic flows without anyone acting
      q.kill9();
      q = NodeProcess.startMember(qHome, dir.resolve("q/data"), "mynet:NetPass", "admin:QAdmin", bootstrap);
      awaitServed(egress);
      // the same for P, whose listener comes back from its store, on the libp2p port it had
      List<String> pAddresses = p.bannerValues("listening");
      p.kill9();
      p = NodeProcess.startMember(pHome, dir.resolve("p/data"), "mynet:NetPass", "admin:PAdmin", null);
      assertEquals(pAddresses, p.bannerValues("listening"), "a restarted node keeps its port when it is free");
      awaitServed(egress);

      // removing the egress rule closes its port
      String list = p.client("proxy:list").out();
      String id = list.lines().filter(l -> l.contains("127.0.0.1:" + egress + " ")).map(l -> l.strip().split("\\s+")[0])
          .findFirst().orElseThrow(() -> new AssertionError(list));
      assertEquals(0, p.client("proxy:remove", id).exit());
      assertFalse(p.client("proxy:list").out().contains("127.0.0.1:" + egress + " "));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", egress), 2000);
        fail("the removed rule's port still accepts");
      } catch (IOException expected) {
        // refused: nothing listens any more
      }

      // an expiring rule goes away by itself
      int temp = NodeProcess.freePort();
      assertEquals(0, p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(temp), "--target",
          qId + ":" + service, "--expires", "2s").exit());
      p.awaitClient(WAIT, o -> !o.out().contains(":" + temp + " "), "proxy:list");
    } finally {
      p.close();
      q.close();
    }
  }

  /**
   * Step 7 of the walkthrough: P and Q can only dial out (no listener at all), R is a public member;
   * each reserves a slot at R by itself, and the rule pair works through R's circuit.
   */
  @Test
  void theSameRulesWorkThroughARelayWhenNeitherNodeCanBeDialled() throws Exception {
    int service = http.getAddress().getPort();
    int egress = NodeProcess.freePort();
    try (NodeProcess r = NodeProcess.startMember(NodeProcess.installation(dir.resolve("r"), "r"), dir.resolve("r/data"),
        "mynet:NetPass", "admin:RAdmin", null)) {
      String bootstrap = r.identity();
      try (NodeProcess p = NodeProcess.startMember(privateInstallation(dir.resolve("p"), "p"), dir.resolve("p/data"),
          "mynet:NetPass", "admin:PAdmin", bootstrap);
          NodeProcess q = NodeProcess.startMember(privateInstallation(dir.resolve("q"), "q"), dir.resolve("q/data"),
              "mynet:NetPass", "admin:QAdmin", bootstrap)) {
        assertTrue(p.bannerValues("listening").isEmpty() && q.bannerValues("listening").isEmpty(),
            "P and Q listen nowhere:\n" + p.out() + q.out());
        String pId = p.banner("peer ID");
        String qId = q.banner("peer ID");
        // Q's record carries its circuit address at R, and P reaches Q through it
        p.awaitClient(WAIT, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"), "net:nodes");
        assertEquals(0, p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(egress), "--target",
            qId + ":" + service).exit());
        assertEquals(0, q.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port",
            Integer.toString(service)).exit());
        awaitServed(egress);
        Result peers = p.client("p2p:peers");
        assertTrue(peers.out().lines().anyMatch(l -> l.startsWith(qId) && l.contains("relayed")), peers.out());
        // P signs that it reaches Q through R (the dashboard's map draws this); R's record, as Q holds it, lists Q
        // directly
        String rId = r.banner("peer ID");
        String qEnd = qId.substring(qId.length() - 16);
        String rEnd = rId.substring(rId.length() - 16);
        p.awaitClient(WAIT, o -> o.out().matches("(?s).*p2p\\.links\\s+.*" + qEnd + "@" + rEnd + ".*"),
            "net:attributes");
        q.awaitClient(WAIT, o -> o.out().matches("(?s).*p2p\\.links\\s+(.*\\s)?" + qEnd + "(\\s.*)?"),
            "net:attributes", "r");
      }
    }
  }

  private static Path privateInstallation(Path dir, String name) throws IOException {
    Path home = NodeProcess.installation(dir, name);
    java.nio.file.Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), "listen.addresses =\n");
    return home;
  }

  /** A client connecting to {@code port} sees the connection closed within a few seconds. */
  private static void assertClosedPromptly(int port) throws Exception {
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes());
      InputStream in = s.getInputStream();
      int b;
      try {
        b = in.read();
      } catch (IOException reset) {
        b = -1;
      }
      assertEquals(-1, b, "nothing comes back");
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms < 8000, "closed after " + ms + " ms");
  }
}
