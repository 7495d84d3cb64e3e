package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 5: request smuggling at a relay node's HTTP gateway, sent as raw bytes. Each
 * shape is refused with a clear status and the connection is closed (the smuggled second request
 * is never answered); the gateway's API answers a legitimate client between and after them.
 */
class GatewaySmugglingAttackTest {
  @TempDir Path dir;

  @Test
  void smuggledRequestsAreRefusedAndTheConnectionClosed() throws Exception {
    Path home = NodeProcess.installation(dir);
    NodeProcess.configure(home, "io.warren.nostr.relay", "enabled = true\nport = 0\n");
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"))) {
      node.awaitReady();
      URI base = URI.create(NostrSupport.relayUrl(node).replace("ws://", "http://"));
      String smuggled = "GET /api/devices HTTP/1.1\r\nHost: x\r\n\r\n";
      List<String[]> attacks = new ArrayList<>();
      attacks.add(new String[] {"400",
          "POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "0\r\n\r\n" + smuggled});
      attacks.add(
          new String[] {"400", "POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 41\r\n\r\n"
              + smuggled});
      attacks.add(new String[] {"501",
          "POST /api/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
              + smuggled});
      attacks.add(new String[] {"400",
          "GET /tunnel/abcdefghijkl/web/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n"
              + smuggled});
      attacks.add(new String[] {"400",
          "GET /api/status HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n Transfer-Encoding: chunked\r\n\r\n"
              + smuggled});
      attacks.add(
          new String[] {"431", "GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n"});
      HttpClient legit = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (String[] a : attacks) {
        String answer = NostrSupport.rawHttp(base.getPort(), a[1]);
        String status = a[0];
        assertTrue(answer.startsWith("HTTP/1.1 " + status + " "), "refused with " + status + ": " + answer);
        assertTrue(answer.contains("Connection: close"), answer);
        assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, "one answer, the smuggled request unanswered: "
            + answer);
        HttpResponse<String> ok = legit.send(HttpRequest.newBuilder(base.resolve("/api/status")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), "a legitimate request is served meanwhile: " + ok.body());
      }
      assertTrue(node.alive());
    }
  }
}
