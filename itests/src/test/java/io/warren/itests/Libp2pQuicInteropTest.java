package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warren's QUIC against js-libp2p's ({@code @chainsafe/libp2p-quic}, pinned in itests/libp2p-js):
 * each dials the other's {@code /quic-v1} address, identifies it, pings it and echoes bytes that come
 * back identical.
 */
class Libp2pQuicInteropTest {
  private static final Duration JS_TIMEOUT = Duration.ofSeconds(90);
  @TempDir Path dir;

  @Test
  void warrenAndJsLibp2pTalkOverQuicBothWays() throws Exception {
    JsLibp2p.dir();
    try (NodeProcess node = NodeProcess.start(NodeProcess.installation(dir), dir.resolve("data"), "--set",
        "io.warren.libp2p:quic.enabled=true");
        JsLibp2p js = JsLibp2p.start("listen", "--quic")) {
      node.awaitReady();
      String javaPeer = node.banner("peer ID");
      String javaQuic = node.client("p2p:addrs").out().lines().map(String::strip)
          .filter(l -> l.contains("/quic-v1/")).findFirst().orElseThrow();

      String listening = js.nextLine(JS_TIMEOUT);
      String jsPeer = JsLibp2p.field(listening, "\"peerId\":\"([^\"]+)\"");
      String jsQuic = JsLibp2p.field(listening, "\"(/ip4/127\\.0\\.0\\.1/udp/\\d+/quic-v1/p2p/[^\"]+)\"");

      // Warren dials js over QUIC
      NodeProcess.Result ping = node.client("p2p:ping", "-c", "3", jsQuic);
      assertEquals(0, ping.exit(), ping.toString());
      assertTrue(ping.out().contains("PING " + jsPeer + " via /ip4/127.0.0.1/udp/"), ping.out());
      NodeProcess.Result echo = node.client("p2p:echo", "-n", String.valueOf(1 << 20), jsQuic);
      assertEquals(0, echo.exit(), echo.toString());
      assertTrue(echo.out().matches("(?s).*identical\\s+true.*"), echo.out());
      NodeProcess.Result peers = node.client("p2p:peers");
      assertTrue(peers.out().lines().anyMatch(l -> l.startsWith(jsPeer) && l.contains(" quic ")
          && l.contains("js-libp2p/")), "identified js over QUIC: " + peers.out());

      // js dials Warren over QUIC
      String r = JsLibp2p.run(JS_TIMEOUT, "dial", javaQuic, "--quic", "--pings", "2", "--echo-bytes",
          String.valueOf(1 << 20));
      assertEquals(javaPeer, JsLibp2p.field(r, "\"identify\":\\{\"peerId\":\"([^\"]+)\""), r);
      assertTrue(JsLibp2p.field(r, "\"agentVersion\":\"([^\"]+)\"").startsWith("warren/"), r);
      assertTrue(r.contains("/quic-v1"), "Warren announces its QUIC address: " + r);
      assertEquals(2, JsLibp2p.field(r, "\"pings\":\\[([^\\]]*)\\]").split(",").length, r);
      assertEquals("true", JsLibp2p.field(r, "\"identical\":(true|false)"), "echo is byte-identical: " + r);
    }
  }
}
