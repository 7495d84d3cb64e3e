package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java to Java over each security protocol, with node processes: a default node (TLS first, then
 * Noise), a Noise-only and a TLS-only node ({@code security.protocols} in
 * {@code etc/io.warren.libp2p.cfg}). Two defaults meet on TLS, a Noise-only peer still gets Noise,
 * and peers without a common protocol get a clear error that closes only that connection.
 */
class Libp2pSecurityTest {
  @TempDir Path dir;

  @Test
  void nodesAgreeOnTheFirstProtocolTheyShareAndSayWhenThereIsNone() throws Exception {
    try (NodeProcess both = NodeProcess.start(NodeProcess.installation(dir.resolve("both")), dir.resolve("both/data"));
        NodeProcess noise = NodeProcess.start(installation("noise", "/noise"), dir.resolve("noise/data"));
        NodeProcess tls = NodeProcess.start(installation("tls", "/tls/1.0.0"), dir.resolve("tls/data"))) {
      both.awaitReady();
      noise.awaitReady();
      tls.awaitReady();
      String tlsPeer = tls.banner("peer ID");
      String noisePeer = noise.banner("peer ID");

      NodeProcess.Result overTls = both.client("p2p:connect", tls.client("p2p:addrs").out().strip());
      assertEquals(0, overTls.exit(), overTls.toString());
      assertTrue(overTls.out().matches("(?s).*security\\s+/tls/1\\.0\\.0.*"), overTls.out());
      NodeProcess.Result echo = both.client("p2p:echo", "-n", String.valueOf(8 * 1024 * 1024), tlsPeer);
      assertEquals(0, echo.exit(), echo.toString());
      assertTrue(echo.out().matches("(?s).*identical\\s+true.*"), echo.out());

      NodeProcess.Result overNoise = both.client("p2p:connect", noise.client("p2p:addrs").out().strip());
      assertEquals(0, overNoise.exit(), overNoise.toString());
      assertTrue(overNoise.out().matches("(?s).*security\\s+/noise.*"), "TLS first falls back: " + overNoise.out());
      NodeProcess.Result echoNoise = both.client("p2p:echo", "-n", "1048576", noisePeer);
      assertTrue(echoNoise.out().matches("(?s).*identical\\s+true.*"), echoNoise.toString());

      NodeProcess.Result none = tls.client("p2p:connect", noise.client("p2p:addrs").out().strip());
      assertTrue(none.exit() != 0 && none.err().contains("/tls/1.0.0"), "no common protocol: " + none);

      NodeProcess.Result peers = tls.client("p2p:peers");
      assertTrue(peers.out().lines().anyMatch(l -> l.contains(both.banner("peer ID")) && l.contains("/tls/1.0.0")),
          "the TLS-only node still has its TLS connection: " + peers.out());
      assertTrue(peers.out().lines().anyMatch(l -> l.contains(both.banner("peer ID"))
          && l.matches(".*\\stcp\\s+\\d+\\.\\d ms\\s.*")), "the path and its round-trip time: " + peers.out());
      NodeProcess.Result ping = tls.client("p2p:ping", "-c", "1", both.banner("peer ID"));
      assertEquals(0, ping.exit(), ping.toString());
    }
  }

  private Path installation(String name, String protocols) throws Exception {
    Path home = NodeProcess.installation(dir.resolve(name));
    Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), "security.protocols = " + protocols + "\n");
    return home;
  }
}
