package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.HttpEcho;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator with Prometheus relies on, against two node processes: {@code /metrics} passes
 * promtool's checks, OpenMetrics is served to a scraper that asks for it, the connection gauge, a
 * proxy rule's and the proxy service's byte counters, the circuit relay's reservations and circuits (a third
 * node reaches one through the other), the Nostr relay's refusals and the SSH sessions move with the traffic, the Grafana dashboard queries only metrics a
 * scrape has (in valid PromQL), and {@code node:metrics --all} shows both nodes, then says which one
 * cannot be reached.
 */
class MetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final Path DASHBOARD = Path.of(System.getProperty("warren.itests.dir", "."))
      .resolve("../docs/grafana/warren.json");
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");
  private static final Pattern METRIC_NAME = Pattern.compile("\\b(?:warren|jvm|process)_[a-zA-Z0-9_]+");
  @TempDir Path dir;
  private HttpEcho echo;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void service() throws Exception {
    echo = HttpEcho.start();
  }

  @AfterEach
  void stop() {
    echo.close();
  }

  @Test
  void prometheusScrapesWhatTheNodesDo() throws Exception {
    int pMetrics = NodeProcess.freePort();
    int qMetrics = NodeProcess.freePort();
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    Path qHome = NodeProcess.installation(dir.resolve("q"), "q");
    // P also relays for anyone, so a third node can reach Q through the circuit Q reserves at P
    Files.writeString(pHome.resolve("etc/io.warren.libp2p.cfg"), "\nrelay.hop.enabled = true\n",
        StandardOpenOption.APPEND);
    // P by the flag, Q by its configuration file
    NodeProcess.configure(qHome, "io.warren.metrics", "enabled = true\nport = " + qMetrics + "\n");
    int relayPort = NodeProcess.freePort();
    int sshPort = NodeProcess.freePort();
    try (NodeProcess p = NodeProcess.start(pHome, dir.resolve("p/data"), "-dnc", "mynet:NetPass", "-rc",
        "admin:PAdmin", "--metrics-port", Integer.toString(pMetrics), "--relay-port", Integer.toString(relayPort),
        "--ssh-port", Integer.toString(sshPort));
        // starts beside P: only needed for the relay circuit, by then it is up
        NodeProcess c = NodeProcess.start(NodeProcess.installation(dir.resolve("c"), "c"), dir.resolve("c/data"))) {
      p.awaitReady();
      String pId = p.banner("peer ID");
      try (NodeProcess q = NodeProcess.startMember(qHome, dir.resolve("q/data"), "mynet:NetPass", "admin:QAdmin",
          p.identity())) {
        String qId = q.banner("peer ID");
        p.awaitClient(WAIT, o -> o.out().contains(qId), "net:nodes");

        Result info = p.client("metrics:info");
        assertTrue(info.out().contains("http://127.0.0.1:" + pMetrics + "/metrics") && info.out().contains("libp2p"),
            info.toString());

        // a scrape is valid exposition, says what it is, and has the connection between the two
        String scrape = scrape(pMetrics, null).body();
        Result check = NodeProcess.run(List.of("promtool", "check", "metrics"), scrape);
        assertEquals(0, check.exit(), "promtool check metrics: " + check + "\n" + scrape);
        assertTrue(scrape.contains("warren_node_identity{name=\"p\",peer_id=\"" + pId + "\""), scrape);
        Await.until(WAIT, NodeProcess.CLIENT_POLL,
            () -> sum(scrape(pMetrics, null).body(), "warren_libp2p_connections",
                l -> l.contains("path=\"direct\"")) >= 1,
            "P's direct connection gauge to count Q");
        assertTrue(sum(scrape(qMetrics, null).body(), "warren_network_members", l -> true) == 2,
            "Q, configured by its file, serves too");

        // OpenMetrics to a scraper that asks for it, as Prometheus does
        HttpResponse<String> om = scrape(pMetrics,
            "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertTrue(om.headers().firstValue("content-type").orElse("").startsWith("application/openmetrics-text"),
            om.headers().map().toString());
        assertTrue(om.body().stripTrailing().endsWith("# EOF"), "OpenMetrics ends with # EOF");

        // a proxy rule's byte counters follow the bytes sent through it
        int egress = NodeProcess.freePort();
        int service = echo.port();
        assertEquals(0, q.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port",
            Integer.toString(service)).exit());
        Result add = p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(egress), "--target",
            qId + ":" + service);
        assertEquals(0, add.exit(), add.toString());
        Predicate<String> rule = l -> l.contains("port=\"" + egress + "\"");
        assertEquals(0, sum(scrape(pMetrics, null).body(), "warren_proxy_bytes_total", rule));
        Predicate<String> proxy = l -> l.contains("protocol=\"/warren/proxy/1.0.0\"");
        assertEquals(0, sum(scrape(pMetrics, null).body(), "warren_libp2p_stream_bytes_total", proxy),
            "the proxy service has carried nothing yet");
        byte[] upload = new byte[1 << 20];
        new Random(5).nextBytes(upload);
        Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + egress + "/")).POST(HttpRequest.BodyPublishers.ofByteArray(upload))
            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray())
            .body().length == upload.length,
            "1 MiB echoed through the rule");
        Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> {
          String s = scrape(pMetrics, null).body();
          return sum(s, "warren_proxy_bytes_total", rule.and(l -> l.contains("direction=\"out\""))) >= upload.length
              && sum(s, "warren_proxy_bytes_total", rule.and(l -> l.contains("direction=\"in\""))) >= upload.length
              && sum(s, "warren_libp2p_stream_bytes_total",
                  proxy.and(l -> l.contains("direction=\"out\""))) >= upload.length
              && sum(s, "warren_libp2p_stream_bytes_total",
                  proxy.and(l -> l.contains("direction=\"in\""))) >= upload.length;
        }, "the rule's and the proxy service's byte counters to count the megabyte each way");
        String after = scrape(pMetrics, null).body();
        assertEquals(0, NodeProcess.run(List.of("promtool", "check", "metrics"), after).exit(), after);

        // the Nostr relay counts a refused EVENT, the SSH console a connection
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + relayPort),
            new WebSocket.Listener() {}).get(10, TimeUnit.SECONDS);
        ws.sendText("[\"EVENT\",{\"id\":\"not-an-event\"}]", true).get(10, TimeUnit.SECONDS);
        try (Socket ssh = new Socket(InetAddress.getLoopbackAddress(), sshPort)) {
          Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> {
            String s = scrape(pMetrics, null).body();
            return sum(s, "warren_nostr_events_rejected_total", l -> true) >= 1
                && sum(s, "warren_nostr_connections", l -> true) >= 1 && sum(s, "warren_ssh_sessions", l -> true) >= 1;
          }, "the refused EVENT, the relay client and the SSH connection to be counted");
        } finally {
          ws.abort();
        }

        // the circuit relay's figures move when Q reserves at P and C reaches Q through P
        assertEquals(0, sum(scrape(pMetrics, null).body(), "warren_relay_circuits_opened_total", l -> true));
        String pAddr = p.client("p2p:addrs").out().strip().lines().findFirst().orElseThrow();
        Result reserved = q.client("p2p:reserve", pAddr);
        assertEquals(0, reserved.exit(), reserved.toString());
        c.awaitReady();
        Result ping = c.client("p2p:ping", "-c", "1", reserved.out().strip());
        assertEquals(0, ping.exit(), ping.toString());
        Predicate<String> hop = l -> l.contains("protocol=\"/libp2p/circuit/relay/0.2.0/hop\"");
        Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> {
          String s = scrape(pMetrics, null).body();
          return sum(s, "warren_relay_reservations", l -> true) >= 1
              && sum(s, "warren_relay_circuits_opened_total", l -> true) >= 1
              && sum(s, "warren_libp2p_stream_bytes_total", hop) > 0
              && sum(scrape(qMetrics, null).body(), "warren_relay_client_reservations", l -> true) >= 1;
        }, "P to count Q's reservation, C's circuit and the hop service's bytes; Q its reservation at P");

        // every metric the Grafana dashboard queries is in a scrape, and every query is PromQL
        dashboardMatches(after);

        // node:metrics --all: a row per node, then Q down and saying so
        assertEquals(0, q.client("net:trust", pId, "admin").exit(), "Q grants P admin calls");
        Result all = p.client("node:metrics", "--all");
        assertEquals(0, all.exit(), all.toString());
        List<String> rows = all.out().strip().lines().toList();
        assertTrue(rows.get(0).startsWith("NODE"), all.out());
        assertTrue(rows.stream().anyMatch(r -> r.startsWith("p ") && r.strip().endsWith("ok")), all.out());
        assertTrue(rows.stream().anyMatch(r -> r.startsWith("q ") && r.strip().endsWith("ok")), all.out());
        q.kill9();
        Result down = p.awaitClient(WAIT, o -> o.out().contains("unreachable"), "node:metrics", "--all");
        assertEquals(0, down.exit(), down.toString());
        assertTrue(down.out().lines().anyMatch(r -> r.startsWith("p ") && r.strip().endsWith("ok")), down.out());
      }
    }
  }

  /** The dashboard's metric names all appear in {@code scrape}; its queries pass promtool as rules. */
  private void dashboardMatches(String scrape) throws Exception {
    Result jq = NodeProcess.run(List.of("jq", "-r", "[.. | objects | (.expr?, .definition?) | strings] | .[]",
        DASHBOARD.toString()), null);
    assertEquals(0, jq.exit(), jq.toString());
    List<String> queries = jq.out().strip().lines().toList();
    assertTrue(queries.size() > 10, "the dashboard has its queries: " + queries);
    Set<String> scraped = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        scraped.add(m.group(1));
      }
    }
    Set<String> missing = new TreeSet<>();
    List<String> rules = new ArrayList<>(List.of("groups:", "  - name: dashboard", "    rules:"));
    for (String q : queries) {
      Matcher m = METRIC_NAME.matcher(q);
      while (m.find()) {
        if (!scraped.contains(m.group())) {
          missing.add(m.group());
        }
      }
      if (!q.startsWith("label_values(")) {
        String promql = q.replace("$__rate_interval", "5m").replace("$instance", ".*");
        rules.add("      - record: dashboard:query_" + rules.size());
        rules.add("        expr: '" + promql.replace("'", "''") + "'");
      }
    }
    assertTrue(missing.isEmpty(), "the dashboard queries metrics no scrape has: " + missing);
    Path file = Files.write(dir.resolve("dashboard-rules.yml"), rules);
    Result check = NodeProcess.run(List.of("promtool", "check", "rules", file.toString()), null);
    assertEquals(0, check.exit(), "every dashboard query is PromQL: " + check);
  }

  private HttpResponse<String> scrape(int port, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(10));
    if (accept != null) {
      b.header("Accept", accept);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r;
  }

  /** The sum of {@code name}'s samples whose label text passes {@code labels}. */
  private static double sum(String scrape, String name, Predicate<String> labels) {
    double total = 0;
    for (String line : scrape.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches() && m.group(1).equals(name)
          && labels.test(m.group(2) == null ? "" : m.group(2))) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return total;
  }
}
