package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --json} of listing commands, as a script reads it: each parsed by jq (Debian's, installed
 * by the itests build) with {@code -e}, so an expression that does not hold, or output that is not
 * JSON, fails.
 */
class JsonOutputTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path dir;

  @Test
  void listingsAreJsonThatJqReads() throws Exception {
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    try (NodeProcess p = NodeProcess.startMember(pHome, dir.resolve("p/data"), "mynet:NetPass", "admin:PAdmin", null);
        NodeProcess q = NodeProcess.startMember(NodeProcess.installation(dir.resolve("q"), "q"), dir.resolve("q/data"),
            "mynet:NetPass", "admin:QAdmin", p.identity())) {
      String qId = q.banner("peer ID");
      p.awaitClient(WAIT, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+direct.*"), "net:nodes");

      Result status = NodeProcess.run(List.of(pHome.resolve("bin/warren").toString(), "status", "--json",
          "--data-dir", dir.resolve("p/data").toString()), null);
      assertEquals(0, status.exit(), status.toString());
      jq(status.out(), ".network == \"mynet\" and (.peers | length) == 2"
          + " and (.peers[] | select(.self) | .name) == \"p\""
          + " and (.peers[] | select(.name == \"q\") | .peerId == \"" + qId + "\" and .path == \"direct\""
          + " and .rttMillis > 0 and (.lastSeen | fromdateiso8601? // (sub(\"\\\\.[0-9]+Z$\"; \"Z\") | fromdateiso8601)) > 0)");
      jq(p.client("net:nodes", "--json").out(),
          "(.nodes | length) == 2 and (.nodes[] | select(.name == \"q\") | .addresses | length) > 0"
              + " and .nameConflicts == {}");

      int port = NodeProcess.freePort();
      assertEquals(0, p.client("proxy:add", "--direction", "egress", "--port", Integer.toString(port), "--target",
          "q:9").exit());
      jq(p.client("proxy:list", "--json").out(), "length == 1 and .[0].direction == \"egress\" and .[0].port == "
          + port + " and .[0].peerName == \"q\" and .[0].peerPort == 9 and .[0].expires == null");
      jq(p.client("proxy:list", "--json", "--node", "q", "--credentials", "admin:QAdmin").out(), ". == []");

      jq(p.client("node:bundles", "--json").out(), "(map(select(.name == \"io.warren.node\")) | .[0].state)"
          + " == \"active\" and (map(.id) | index(0)) != null");
      jq(p.client("deploy:history", "--json").out(), ". == []");
      jq(p.client("files:transfers", "--json").out(), ". == []");
    }
  }

  /** Runs {@code jq -e expression} on {@code json}; fails saying what jq said. */
  private static void jq(String json, String expression) throws Exception {
    Result r = NodeProcess.run(List.of("jq", "-e", expression), json);
    assertEquals(0, r.exit(), "jq -e '" + expression + "' on\n" + json + "\n" + r);
  }
}
