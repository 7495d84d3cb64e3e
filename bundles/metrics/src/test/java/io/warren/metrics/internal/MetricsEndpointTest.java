package io.warren.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import io.warren.testing.Await;
import io.warren.testing.Configs;
import io.warren.testing.TestEventLoops;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint as Prometheus sees it: formats by Accept, the sources' samples, the token, bad requests. */
class MetricsEndpointTest {
  private static final String TOKEN = "s3cret-token-0123456789";
  private final TestEventLoops loops = new TestEventLoops(1);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private MetricsEndpoint endpoint;

  @AfterEach
  void close() {
    if (endpoint != null) {
      endpoint.deactivate();
    }
    loops.close();
  }

  private static MetricsSettings settings(Map<String, Object> values, String portProperty) {
    return MetricsSettings.of(Configs.of(MetricsSettings.Config.class, values), portProperty);
  }

  private MetricsEndpoint start(Map<String, Object> values, MetricsSource... sources) throws Exception {
    endpoint = new MetricsEndpoint(settings(values, "0"), loops);
    for (int i = 0; i < sources.length; i++) {
      endpoint.addSource(sources[i], Map.of(MetricsSource.NAME, "s" + i));
    }
    return endpoint;
  }

  private static MetricsSource source(Supplier<List<Metric>> samples) {
    return new MetricsSource() {
      @Override
      public List<Metric> samples() {
        return samples.get();
      }
    };
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + endpoint.address() + path))
        .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void offUnlessConfiguredOrGivenAPortAndOnLoopback() {
    MetricsSettings s = settings(Map.of(), null);
    assertFalse(s.enabled());
    assertEquals("127.0.0.1", s.host());
    assertTrue(settings(Map.of(), "9999").enabled());
    assertEquals(9999, settings(Map.of("port", 1), "9999").port(), "the flag's port wins");
    assertTrue(settings(Map.of("enabled", true), null).enabled());
  }

  @Test
  void badConfigurationStopsTheComponentWithTheReason() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> settings(Map.of(), "nine")).getMessage()
        .contains("warren.metrics.port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> settings(Map.of("port", 70000), "")).getMessage()
        .contains("0-65535"));
    String open = assertThrows(IllegalArgumentException.class,
        () -> settings(Map.of("enabled", true, "host", "0.0.0.0"), null)).getMessage();
    assertTrue(open.contains("bearer.token"), "another interface without a token fails closed: " + open);
    assertTrue(settings(Map.of("enabled", true, "host", "0.0.0.0", "bearer_token", TOKEN), null).enabled());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> settings(Map.of("bearer_token", "short"), null))
        .getMessage().contains("at least 16"));
  }

  @Test
  void servesTheSourcesAndTheJvmInTheFormatAskedFor() throws Exception {
    AtomicLong bytes = new AtomicLong(5);
    MetricsSource proxy = source(() -> List.of(
        Metric.counter("warren_test_bytes_total", "Bytes through a rule.", bytes.get(), "rule", "web", "direction",
            "in"),
        Metric.gauge("warren_test_rules", "Rules active.", 2)));
    MetricsSource broken = source(() -> {
      throw new IllegalStateException("down");
    });
    start(Map.of(), proxy, broken);

    HttpResponse<String> text = get("/metrics");
    assertEquals(200, text.statusCode());
    assertTrue(text.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
        text.headers().toString());
    assertTrue(text.body().contains("# TYPE warren_test_bytes_total counter"), text.body());
    assertTrue(text.body().contains("warren_test_bytes_total{direction=\"in\",rule=\"web\"} 5.0"), text.body());
    assertTrue(text.body().contains("warren_test_rules 2.0"), text.body());
    assertTrue(text.body().contains("jvm_memory_used_bytes"), "the JVM's figures are there too");

    bytes.set(1234);
    HttpResponse<String> om = get("/metrics", "Accept",
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
    assertTrue(om.headers().firstValue("content-type").orElse("").startsWith("application/openmetrics-text"),
        om.headers().toString());
    assertTrue(om.body().contains("# TYPE warren_test_bytes counter"), om.body());
    assertTrue(om.body().contains("warren_test_bytes_total{direction=\"in\",rule=\"web\"} 1234.0"), om.body());
    assertTrue(om.body().stripTrailing().endsWith("# EOF"), "OpenMetrics ends with # EOF");
  }

  @Test
  void aTokenIsRequiredWhereConfiguredAndOtherPathsAreNotFound() throws Exception {
    start(Map.of("bearer_token", TOKEN), source(() -> List.of(Metric.gauge("warren_test_up", "Up.", 1))));
    assertEquals(401, get("/metrics").statusCode());
    assertEquals(401, get("/metrics", "Authorization", "Bearer wrong-token-0123456789").statusCode());
    HttpResponse<String> ok = get("/metrics", "Authorization", "Bearer " + TOKEN);
    assertEquals(200, ok.statusCode());
    assertTrue(ok.body().contains("warren_test_up 1.0"), ok.body());
    assertEquals(404, get("/other", "Authorization", "Bearer " + TOKEN).statusCode());
    HttpResponse<String> post = http.send(
        HttpRequest.newBuilder(URI.create("http://" + endpoint.address() + "/metrics"))
            .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode(), "a scrape endpoint changes nothing");
  }

  @Test
  void connectionsAreCappedAndTheNextIsClosedAtOnce() throws Exception {
    start(Map.of(), source(() -> List.of(Metric.gauge("warren_test_up", "Up.", 1))));
    String[] hostPort = endpoint.address().split(":");
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < MetricsEndpoint.MAX_CONNECTIONS; i++) {
        held.add(new Socket(hostPort[0], Integer.parseInt(hostPort[1])));
      }
      // the held ones are accepted before the next: each answers a request
      held.get(0).getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      assertTrue(new String(held.get(0).getInputStream().readNBytes(12)).startsWith("HTTP/1.1 200"));
      try (Socket extra = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
        extra.setSoTimeout(10_000);
        extra.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        assertEquals(-1, extra.getInputStream().read(), "one connection over the cap is closed unanswered");
      } catch (java.net.SocketException reset) {
        // closed before the request was written: also refused
      }
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
    Await.until(() -> get("/metrics").statusCode() == 200, "a scrape once the held connections are gone");
  }

  @Test
  void aCounterAndAGaugeOfOneFamilyOrASeriesTwiceDoNotBreakTheScrape() throws Exception {
    start(Map.of(), source(() -> List.of(Metric.gauge("warren_test_circuits", "Open.", 3),
        Metric.counter("warren_test_circuits_total", "Opened.", 9), Metric.gauge("warren_test_up", "Up.", 1),
        Metric.gauge("warren_test_up", "Up twice.", 1))));
    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("warren_test_circuits 3.0"), r.body());
    assertFalse(r.body().contains("warren_test_circuits_total"), "the clashing one is left out: " + r.body());
    assertTrue(r.body().contains("warren_test_up 1.0"), r.body());
  }
}
