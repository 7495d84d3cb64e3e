package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warren.identity.Bech32;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hold under attack: a relay node with {@code gateway.domain} and two device nodes, A and B, whose
 * web services answer with their own name (B also serves a service A does not have). Before, both
 * were served on the relay's one origin under {@code /tunnel/<device>/}, so B's pages could script
 * A's. Now each has its own host {@code <npub>.<domain>}: whatever a request claims (Host
 * spellings, an absolute request target, two Host headers, a callsign or a nested host, a service
 * only the other device has, the path-style URL), A's content is never served under B's host, a
 * request naming B's host reaches B's service only, B cannot set a cookie for A's host (a
 * {@code Domain} cookie for the gateway domain comes out host-only), and path-style requests get a
 * redirect, never content on the shared origin.
 */
class GatewayOriginAttackTest {
  static final String DOMAIN = "gw.localhost";
  @TempDir Path dir;
  private final List<HttpServer> servers = new ArrayList<>();
  /** Per device: the request targets its web server saw, with their Host. */
  private final Map<String, ConcurrentLinkedQueue<String>> seen = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
  }

  /** An HTTP server answering "page of <name>", recording what it was asked. */
  private int server(String name) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ConcurrentLinkedQueue<String> log = seen.computeIfAbsent(name, n -> new ConcurrentLinkedQueue<>());
    http.createContext("/", x -> {
      log.add(x.getRequestHeaders().getFirst("Host") + " " + x.getRequestURI());
      byte[] b = ("page of " + name + "\n").getBytes(StandardCharsets.UTF_8);
      // a cookie meant for every host under the gateway domain: planted for the other device's origin
      x.getResponseHeaders().add("Set-Cookie", "planted-by=" + name + "; Domain=" + DOMAIN + "; Path=/");
      x.sendResponseHeaders(200, b.length);
      try (OutputStream out = x.getResponseBody()) {
        out.write(b);
      }
    });
    http.start();
    servers.add(http);
    return http.getAddress().getPort();
  }

  @Test
  void oneDevicesContentIsNeverServedUnderAnothersHost() throws Exception {
    int relayPort = NodeProcess.freePort();
    String url = "ws://127.0.0.1:" + relayPort;
    Path relayHome = NodeProcess.installation(dir.resolve("relay"));
    NodeProcess.configure(relayHome, "io.warren.nostr.relay",
        "enabled = true\nport = " + relayPort + "\ngateway.domain = " + DOMAIN + "\n");
    Path homeA = NodeProcess.installation(dir.resolve("a"));
    NodeProcess.configure(homeA, "io.warren.nostr.client", "relays = " + url + "\nservices = web=http://127.0.0.1:"
        + server("A") + ";public=true\nreconnect.max.seconds = 2\n");
    int portB = server("B");
    Path homeB = NodeProcess.installation(dir.resolve("b"));
    NodeProcess.configure(homeB, "io.warren.nostr.client", "relays = " + url + "\nservices = web=http://127.0.0.1:"
        + portB + ";public=true, only-b=http://127.0.0.1:" + portB + ";public=true\nreconnect.max.seconds = 2\n");
    try (NodeProcess relay = NodeProcess.start(relayHome, dir.resolve("relay-data"));
        NodeProcess a = NodeProcess.start(homeA, dir.resolve("a-data"));
        NodeProcess b = NodeProcess.start(homeB, dir.resolve("b-data"))) {
      relay.awaitReady();
      a.awaitReady();
      b.awaitReady();
      String npubA = a.banner("npub");
      String npubB = b.banner("npub");
      String hostA = npubA + "." + DOMAIN;
      String hostB = npubB + "." + DOMAIN;
      Await.until(Duration.ofSeconds(60), Duration.ofMillis(300),
          () -> get(relayPort, hostA, "/web/").contains("page of A") && get(relayPort, hostB, "/only-b/")
              .contains("page of B"),
          "both devices serve through the relay");
      seen.values().forEach(ConcurrentLinkedQueue::clear);

      // every spelling of B's host reaches B's service only
      for (String host : List.of(hostB, hostB.toUpperCase(Locale.ROOT), hostB + ".", hostB + ":" + relayPort)) {
        String r = get(relayPort, host, "/web/");
        assertTrue(r.startsWith("HTTP/1.1 200") && r.contains("page of B"), host + ": " + r);
        assertFalse(r.contains("page of A"), host + ": " + r);
        assertTrue(r.toLowerCase(Locale.ROOT).contains("set-cookie: planted-by=b; path=/\r\n"),
            "B's cookie stays host-only, it cannot reach A's host: " + r);
      }
      assertEquals(0, seen.get("A").size(), "A's service saw none of the requests for B's host: " + seen.get("A"));
      assertTrue(seen.get("B").stream().allMatch(s -> s.toLowerCase(Locale.ROOT).startsWith(hostB)),
          "B's service got them, with B's host: " + seen.get("B"));

      // requests that claim A in other ways, on B's host, and hosts naming no device: never A's content
      List<String[]> tricks = new ArrayList<>();
      tricks.add(new String[] {"400", "GET http://" + hostA + "/web/ HTTP/1.1\r\nHost: " + hostB + "\r\n\r\n"});
      tricks.add(new String[] {"400", "GET /web/ HTTP/1.1\r\nHost: " + hostB + "\r\nHost: " + hostA + "\r\n\r\n"});
      tricks.add(new String[] {"404", "GET /tunnel/" + npubA + "/web/ HTTP/1.1\r\nHost: " + hostB + "\r\n\r\n"});
      tricks.add(
          new String[] {"421", "GET /web/ HTTP/1.1\r\nHost: " + npubA.substring(5, 17) + "." + DOMAIN + "\r\n\r\n"});
      tricks.add(new String[] {"421", "GET /web/ HTTP/1.1\r\nHost: " + hostA + "." + hostB + "\r\n\r\n"});
      tricks.add(new String[] {"421", "GET /web/ HTTP/1.1\r\nHost: " + npubA + "x." + DOMAIN + "\r\n\r\n"});
      tricks.add(new String[] {"404", "GET /only-b/ HTTP/1.1\r\nHost: " + hostA + "\r\n\r\n"});
      tricks.add(new String[] {"404", "GET /web/ HTTP/1.1\r\nHost: " + npub(new byte[32]) + "." + DOMAIN + "\r\n\r\n"});
      for (String[] t : tricks) {
        String r = NostrSupport.rawHttp(relayPort, t[1]);
        assertTrue(r.startsWith("HTTP/1.1 " + t[0] + " "), t[0] + " for " + t[1] + ": " + r);
        assertFalse(r.contains("page of"), "no device's content: " + r);
      }
      String otherService = NostrSupport.rawHttp(relayPort, "GET /only-b/ HTTP/1.1\r\nHost: " + hostA + "\r\n\r\n");
      assertTrue(otherService.contains("announces no service 'only-b'"), otherService);

      // the relay's own origin: path style is a redirect to the device's host, never its content
      String redirect =
          NostrSupport.rawHttp(relayPort,
              "GET /tunnel/" + npubA.substring(5, 17) + "/web/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:"
                  + relayPort + "\r\n\r\n");
      assertTrue(redirect.startsWith("HTTP/1.1 308 "), redirect);
      assertTrue(redirect.contains("location: //" + hostA + ":" + relayPort + "/web/x?y=1\r\n"), redirect);
      assertFalse(redirect.contains("page of"), redirect);
      assertEquals(0, seen.get("A").size(), "A saw nothing of all this: " + seen.get("A"));
      assertTrue(seen.get("B").stream().allMatch(s -> s.toLowerCase(Locale.ROOT).startsWith(hostB)),
          "B saw only requests for its own host: " + seen.get("B"));
      assertTrue(relay.alive());
    }
  }

  private static String npub(byte[] key) {
    return Bech32.encode("npub", key);
  }

  private static String get(int port, String host, String path) throws IOException {
    return NostrSupport.rawHttp(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }
}
