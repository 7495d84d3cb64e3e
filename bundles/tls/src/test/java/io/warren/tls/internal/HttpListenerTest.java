package io.warren.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warren.testing.FakeDirectory;
import io.warren.testing.TestEventLoops;
import io.warren.tls.TlsCertificates.Mode;
import io.warren.tls.TlsCertificates.Route;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP listener over loopback: HTTP-01 answers for any Host, http routes by Host, redirects, refusals. */
class HttpListenerTest {
  private final TestEventLoops loops = new TestEventLoops();
  private HttpServer backend;
  private HttpListener listener;
  private Targets targets;

  @BeforeEach
  void start() throws Exception {
    backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    backend.createContext("/", ex -> {
      byte[] out = ("backend saw " + ex.getRequestMethod() + " " + ex.getRequestURI() + " host "
          + ex.getRequestHeaders().getFirst("Host") + " body " + new String(ex.getRequestBody().readAllBytes(),
              StandardCharsets.UTF_8))
          .getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    backend.start();
    Map<String, Route> http = Map.of("plain.example.test",
        new Route("plain.example.test", TlsService.LOCAL, backend.getAddress().getPort(), Mode.HTTP));
    Set<String> tls = Set.of("secure.example.test");
    FakeDirectory directory = new FakeDirectory();
    targets = new Targets(directory, loops, http::values, Duration.ofSeconds(1));
    listener = new HttpListener(loops, directory, targets, "127.0.0.1", 0,
        new TlsListener.Limits(16, 4, Duration.ofSeconds(5)), new HttpListener.Routes() {
          @Override
          public Route http(String hostname) {
            return http.get(hostname);
          }

          @Override
          public boolean servesTls(String hostname) {
            return tls.contains(hostname);
          }
        }, host -> host + ":8443");
  }

  @AfterEach
  void stop() {
    listener.stop();
    targets.close();
    backend.stop(0);
    loops.close();
  }

  private String exchange(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", listener.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void anAcmeChallengeIsAnsweredWhateverTheHost() throws Exception {
    listener.answer("tok123", "tok123.thumb");
    String got = exchange("GET /.well-known/acme-challenge/tok123 HTTP/1.1\r\nHost: any.example.test\r\n\r\n");
    assertTrue(got.startsWith("HTTP/1.1 200") && got.endsWith("tok123.thumb"), got);
    listener.close(); // the request is over: its answers go, the listener stays
    assertTrue(exchange("GET /.well-known/acme-challenge/tok123 HTTP/1.1\r\nHost: a.example.test\r\n\r\n")
        .startsWith("HTTP/1.1 404"));
  }

  @Test
  void anHttpRouteGetsTheRequestAsItCame() throws Exception {
    String got = exchange("POST /form?a=1 HTTP/1.1\r\nHost: Plain.Example.Test:80\r\nContent-Length: 5\r\n"
        + "Connection: close\r\n\r\nhello");
    assertTrue(got.startsWith("HTTP/1.1 200"), got);
    assertTrue(got.endsWith("backend saw POST /form?a=1 host Plain.Example.Test:80 body hello"), got);
    assertEquals(1, listener.total(HttpListener.Outcome.FORWARDED));
  }

  @Test
  void aNameServedOverTlsIsRedirectedAndOthersAreRefused() throws Exception {
    String got = exchange("GET /page?x=1 HTTP/1.1\r\nHost: secure.example.test\r\n\r\n");
    assertTrue(got.startsWith("HTTP/1.1 301"), got);
    assertTrue(got.contains("location: https://secure.example.test:8443/page?x=1"), got);
    assertTrue(exchange("GET / HTTP/1.1\r\nHost: nobody.example.test\r\n\r\n").startsWith("HTTP/1.1 404"));
    assertTrue(exchange("GET / HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 400"), "no Host");
    assertEquals("", exchange("").strip(), "nothing sent: closed at the deadline, nothing answered");
    // each counted by what became of it, as node:metrics shows
    assertEquals(1, listener.total(HttpListener.Outcome.REDIRECTED));
    assertEquals(1, listener.total(HttpListener.Outcome.NOT_FOUND));
    assertEquals(1, listener.total(HttpListener.Outcome.BAD_REQUEST));
    io.warren.testing.Await.until(Duration.ofSeconds(10), Duration.ofMillis(20),
        () -> listener.total(HttpListener.Outcome.TIMEOUT) == 1, "the silent connection counted at its deadline");
    assertTrue(listener.samples().stream().anyMatch(m -> m.selector().equals(
        "warren_tls_http_requests_total{outcome=\"redirected\"}") && m.value() == 1), listener.samples().toString());
  }
}
