package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes of one network as separate processes: joining through a bootstrap node, the peer table
 * spreading transitively, a wrong network password refused, and every admin call refused without
 * that node's admin authorization.
 */
class FederationTest {
  private static final Duration SYNC = Duration.ofSeconds(30);
  @TempDir Path dir;

  @Test
  void membersSeeEachOtherAndAdminCallsNeedAuthorization() throws Exception {
    Path qHome = NodeProcess.installation(dir.resolve("q"), "q");
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    try (NodeProcess p = NodeProcess.startMember(pHome, dir.resolve("p/data"),
        "mynet:NetPass", "admin:PAdmin", null)) {
      String pId = p.banner("peer ID");
      try (NodeProcess q = NodeProcess.startMember(qHome, dir.resolve("q/data"), "mynet:NetPass", "admin:QAdmin",
          p.identity())) {
        String qId = q.banner("peer ID");
        try (
            NodeProcess r =
                NodeProcess.startMember(NodeProcess.installation(dir.resolve("r"), "r"), dir.resolve("r/data"),
                    "mynet:NetPass", "admin:RAdmin", q.identity());
            NodeProcess w =
                NodeProcess.startMember(NodeProcess.installation(dir.resolve("w"), "w"), dir.resolve("w/data"),
                    "mynet:WrongPass", "admin:WAdmin", p.identity())) {
          String rId = r.banner("peer ID");
          String wId = w.banner("peer ID");

          // R joined through Q only; P learns of it through the table Q passes on, and R of P
          Result pNodes = p.awaitClient(SYNC, o -> o.out().contains(qId) && o.out().contains(rId), "net:nodes");
          assertTrue(pNodes.out().matches("(?s).*" + qId + "\\s+q\\s+(tcp|quic).*"), pNodes.out());
          r.awaitClient(SYNC, o -> o.out().contains(pId) && o.out().contains(qId), "net:nodes");

          // warren status: this node and every member at a glance, connected ones with a measured round trip
          Result status = NodeProcess.run(List.of(pHome.resolve("bin/warren").toString(), "status", "--data-dir",
              dir.resolve("p/data").toString()), null);
          assertEquals(0, status.exit(), status.toString());
          assertTrue(status.out().startsWith("network mynet"), status.out());
          assertTrue(status.out().matches("(?s).*\\bp\\s+" + pId + "\\s+self\\s.*"), status.out());
          assertTrue(
              status.out().matches("(?s).*\\bq\\s+" + qId + "\\s+(tcp|quic)\\s+\\d+\\.\\d ms\\s+\\d+s ago\\s+\\S+.*"),
              status.out());

          // the wrong password is refused, clearly, on both sides, and W never enters a table
          Result wStatus = w.awaitClient(SYNC, o -> o.out().contains("wrong network password"), "net:status");
          assertTrue(wStatus.out().contains(pId), wStatus.out());
          Result pStatus = p.awaitClient(SYNC, o -> o.out().contains(wId), "net:status");
          assertTrue(pStatus.out().contains("network password"), pStatus.out());
          assertFalse(p.client("net:nodes").out().contains(wId), "a node with the wrong password is no member");
          assertFalse(q.client("net:nodes").out().contains(wId));
          assertFalse(w.client("net:nodes").out().contains(pId));

          // admin calls: refused without authorization, with wrong credentials, and from a mere member
          Result none = p.client("node:metrics", "--node", "q");
          assertNotEquals(0, none.exit(), none.toString());
          assertTrue(none.err().contains("requires admin authorization") && none.err().contains("net:trust " + pId),
              none.toString());
          Result wrong = p.client("node:metrics", "--node", qId, "--credentials", "admin:nope");
          assertNotEquals(0, wrong.exit(), wrong.toString());
          assertTrue(wrong.err().contains("admin credentials refused"), wrong.toString());
          for (String[] call : new String[][] {
              {"proxy:add", "--node", "q", "--direction", "ingress", "--origin", rId, "--port", "22"},
              {"proxy:list", "--node", "q"},
              {"net:exec", "q", "node:shutdown"},
              {"net:exec", "--credentials", "admin:RAdmin", "q", "net:trust", rId, "admin"}}) {
            Result refused = r.client(call);
            assertNotEquals(0, refused.exit(),
                String.join(" ", call) + " from a member without authorization: " + refused);
            assertTrue(refused.err().contains("admin"), refused.toString());
          }
          assertTrue(q.alive(), "the refused node:shutdown did not stop Q");
          assertEquals("(no proxy rules)", q.client("proxy:list").out().strip());

          // with Q's admin credentials, and then with a standing grant Q's admin gave P
          Result metrics = p.client("node:metrics", "--node", "q", "--credentials", "admin:QAdmin");
          assertEquals(0, metrics.exit(), metrics.toString());
          for (String field : new String[] {qId, "version", "uptime", "process cpu", "heap used", "disk free",
              "bundles",
              "ACTIVE", "warren_proxy_rules", "warren_libp2p_connections{path=\"direct\""}) {
            assertTrue(metrics.out().contains(field), field + " in\n" + metrics.out());
          }
          Result trust = q.client("net:trust", pId, "admin");
          assertEquals(0, trust.exit(), trust.toString());
          Result granted = p.client("node:metrics", "--node", qId);
          assertEquals(0, granted.exit(), granted.toString());
          assertTrue(granted.out().contains(qId), granted.out());
          assertTrue(r.client("node:metrics", "--node", qId).exit() != 0, "the grant is P's alone");
          assertEquals(0, q.client("net:untrust", pId).exit());
          assertNotEquals(0, p.client("node:metrics", "--node", qId).exit(), "an untrusted node is refused again");
        }
        // a changed name reaches every member
        Files.writeString(qHome.resolve("etc/io.warren.identity.cfg"), "name = q-renamed\n");
        p.awaitClient(SYNC, o -> o.out().matches("(?s).*" + qId + "\\s+q-renamed\\s.*"), "net:nodes");
      }
    }
    Result stopped = NodeProcess.run(List.of(pHome.resolve("bin/warren").toString(), "status", "--data-dir",
        dir.resolve("p/data").toString()), null);
    assertNotEquals(0, stopped.exit(), "warren status fails when the node is not running: " + stopped);
  }
}
