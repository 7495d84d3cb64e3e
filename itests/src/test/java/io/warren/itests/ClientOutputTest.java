package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What scripts and users of the seeds' client type at {@code warren client}, against two node
 * processes: the {@code --json} of listing commands, each parsed by jq (Debian's, installed by the
 * itests build) with {@code -e}, so an expression that does not hold, or output that is not JSON,
 * fails; and the seeds' commands with their flags, misused ones answered with their usage.
 */
class ClientOutputTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path dir;

  @Test
  void listingsAreJsonThatJqReads() throws Exception {
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    NodeProcess.configure(pHome, "io.warren.iot", "enabled = true\nport = " + NodeProcess.freePort() + "\n");
    try (NodeProcess p = NodeProcess.startMember(pHome, dir.resolve("p/data"), "mynet:NetPass", "admin:PAdmin", null);
        NodeProcess q = NodeProcess.startMember(NodeProcess.installation(dir.resolve("q"), "q"), dir.resolve("q/data"),
            "mynet:NetPass", "admin:QAdmin", p.identity())) {
      String qId = q.banner("peer ID");
      p.awaitClient(WAIT, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+(tcp|quic)\\s.*"), "net:nodes");

      Result status = NodeProcess.run(List.of(pHome.resolve("bin/warren").toString(), "status", "--json",
          "--data-dir", dir.resolve("p/data").toString()), null);
      assertEquals(0, status.exit(), status.toString());
      jq(status.out(), ".network == \"mynet\" and (.peers | length) == 2"
          + " and (.peers[] | select(.self) | .name) == \"p\""
          + " and (.peers[] | select(.name == \"q\") | .peerId == \"" + qId
          + "\" and (.path == \"tcp\" or .path == \"quic\")"
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
      jq(p.client("files:pending", "--json").out(), ". == []");
      jq(p.client("files:share", "list", "--json").out(), ". == []");

      jq(p.client("p2p:peers", "--json").out(), "map(select(.peer == \"" + qId + "\")) | length == 1"
          + " and (.[0] | .path == \"direct\" and (.streams | type) == \"number\" and .address != null)");
      jq(p.client("p2p:limits", "--json").out(),
          "length > 0 and all(.[]; (.used | type) == \"number\" and (.limit | type) == \"number\")");
      assertEquals(0, p.client("net:trust", "q", "admin").exit());
      jq(p.client("net:trusts", "--json").out(), ". == [{\"peer\": \"" + qId + "\", \"role\": \"admin\","
          + " \"since\": .[0].since}] and (.[0].since | length) > 0");
      jq(p.client("tls:keys", "--json").out(), ". == []");
      jq(p.client("tls:route", "list", "--json").out(), ".routes == [] and has(\"listener\")");
      jq(p.client("voip:calls", "--json").out(), ". == []");
      assertEquals(0, p.client("iot:users", "add", "dev", "--password", "DevPass123").exit());
      jq(p.client("iot:users", "list", "--json").out(), ". == [\"dev\"]");
      jq(p.client("iot:topics", "--json").out(), ". == []");
      // `*` (every user) is a word, never the names of the files in the node's working directory
      assertEquals(0, p.client("iot:acl", "add", "*", "sensors/#", "both").exit());
      jq(p.client("iot:acl", "list", "--json").out(), "map(select(.user == \"*\")) | length == 1");
      jq(p.client("iot:stats", "--json").out(),
          "(.sessions | type) == \"number\" and (.listening | type) == \"string\"");
      // a secret stays hidden: its key and source show, never its value
      assertEquals(0, p.client("config:set", "io.warren.metrics", "bearer.token", "TokSecret42").exit());
      Result config = p.client("config:list", "--json");
      assertTrue(!config.out().contains("TokSecret42"), config.toString());
      jq(config.out(), "any(.[]; .pid == \"io.warren.metrics\" and .key == \"bearer.token\" and .hidden"
          + " and .value == null and .source == \"node\") and any(.[]; .pid == \"io.warren.iot\" and .key =="
          + " \"enabled\" and .source == \"installation\")");

      // the seeds' client commands
      Result id = p.client("id", "--b64");
      assertEquals(0, id.exit(), id.toString());
      jq(new String(Base64.getDecoder().decode(id.out().strip()), StandardCharsets.UTF_8),
          ".name == \"p\" and .peerId == \"" + p.banner("peer ID") + "\"");
      jq(p.client("nodes").out(), "(.nodes | length) == 2");
      int seedPort = NodeProcess.freePort();
      Result proxy =
          p.client("proxy", "--direction", "egress", "--target", "q:10", "--port", Integer.toString(seedPort));
      assertEquals(0, proxy.exit(), proxy.toString());
      assertTrue(p.client("proxies").out().contains("127.0.0.1:" + seedPort + " -> q:10"));
      Result remote = p.client("get-proxies", "--node", "q", "--credentials", "admin:QAdmin");
      assertEquals(0, remote.exit(), remote.toString());
      assertTrue(remote.out().contains("no proxy rules"), remote.toString());
      Result badFlag = p.client("identity", "--b65");
      assertEquals(2, badFlag.exit(), badFlag.toString());
      assertTrue(badFlag.err().contains("unknown flag --b65") && badFlag.err().contains("usage: warren client identity")
          && !badFlag.err().toLowerCase(java.util.Locale.ROOT).contains("coerce"), badFlag.toString());
    }
  }

  /** Runs {@code jq -e expression} on {@code json}; fails saying what jq said. */
  private static void jq(String json, String expression) throws Exception {
    Result r = NodeProcess.run(List.of("jq", "-e", expression), json);
    assertEquals(0, r.exit(), "jq -e '" + expression + "' on\n" + json + "\n" + r);
  }
}
