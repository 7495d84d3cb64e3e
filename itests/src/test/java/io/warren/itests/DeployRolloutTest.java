package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Jars;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy:update-node} and rollouts between three node processes of one network: R (the
 * relay), P (the pusher) and Q; P and Q listen nowhere, so P reaches Q only through R's circuit relay.
 * P runs the example plugin 1.1.0 from its deploy/ folder; update-node brings Q from 1.0.0 to it
 * (only that bundle travels; the distribution's unsigned bundles are named as skipped), and a second
 * run sends nothing. A rollout of 1.2.0 to the network with Q as the canary: Q takes it, R refuses it
 * (it does not trust the publisher), so the rollout stops and Q goes back: both stay on 1.1.0, and
 * {@code deploy:rollouts} says so per node.
 */
class DeployRolloutTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final String BUNDLE = "io.warren.example.hello";

  @TempDir Path dir;

  @Test
  void updateNodeThroughARelayAndARolloutThatStops() throws Exception {
    Path example = Path.of(System.getProperty("warren.example.jar"));
    Path jars = Files.createDirectories(dir.resolve("jars"));
    Jars.Publisher publisher = Jars.publisher(dir.resolve("keys"), "publisher");
    Path v100 = Jars.sign(example, jars.resolve("v100.jar"), publisher);
    Path v110 = build(example, jars, "1.1.0", publisher);
    Path v120 = build(example, jars, "1.2.0", publisher);

    try (Network net = new Network(dir, "rollnet:NetPass")) {
      NodeProcess r = net.member("r", "io.warren.deploy", "");
      NodeProcess p = net.member("p", "io.warren.libp2p", "listen.addresses =\n");
      NodeProcess q = net.member("q", "io.warren.libp2p", "listen.addresses =\n");
      String pId = p.banner("peer ID");
      String qId = q.banner("peer ID");
      p.awaitClient(SYNC, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"), "net:nodes");
      for (NodeProcess n : new NodeProcess[] {q, r}) {
        assertEquals(0, n.client("net:trust", pId, "admin").exit());
      }
      // P and Q trust the publisher, R does not; P and R run 1.1.0 dropped into their deploy/ folders
      assertEquals(0, p.client("deploy:trust", "add", publisher.certificate().toString()).exit());
      assertEquals(0, q.client("deploy:trust", "add", publisher.certificate().toString()).exit());
      Files.copy(v110, p.home().resolve("deploy/hello.jar"));
      Files.copy(v110, r.home().resolve("deploy/hello.jar"));
      p.awaitClient(SYNC, o -> o.out().contains("example plugin 1.1.0"), "hello:hello");
      r.awaitClient(SYNC, o -> o.out().contains("example plugin 1.1.0"), "hello:hello");
      Result first = p.client("deploy:push", "--node", "q", v100.toString());
      assertEquals(0, first.exit(), first.toString());
      assertHello(q, "1.0.0");

      // update-node through the relay: only the plugin differs; the unsigned bundles are named, not sent
      Result update = p.client("deploy:update-node", "--node", "q");
      assertEquals(0, update.exit(), update + "\n--- q:\n" + NodeProcess.tail(q.err()));
      assertTrue(update.out().contains(BUNDLE + " 1.0.0 -> 1.1.0: " + BUNDLE + " 1.1.0 ACTIVE: updated from 1.0.0"),
          update.toString());
      assertTrue(update.out().matches("(?s).*\\d+ unsigned \\(the distribution's own bundles.*warren\\.deploy.*"),
          update.toString());
      assertHello(q, "1.1.0");
      assertTrue(q.err().contains("upload stream from " + pId + " (relayed)"), NodeProcess.tail(q.err()));
      Result again = p.client("deploy:update-node", "--node", "q");
      assertEquals(0, again.exit(), again.toString());
      assertFalse(again.out().contains(" -> "), again.toString());
      assertTrue(again.out().contains("1 signed bundle(s) already the same there"), again.toString());

      // a rollout to the network, Q first: R refuses, so the rollout stops and Q goes back to 1.1.0
      Result rollout = p.client("deploy:push", "--network", "rollnet", "--canary", "q", v120.toString());
      assertNotEquals(0, rollout.exit(), rollout.toString());
      assertTrue(rollout.err().contains("wave 1: 1 of 1 failed (more than 0 %)"), rollout.toString());
      assertTrue(rollout.err().contains("q: rolled back " + BUNDLE), rollout.toString());
      assertHello(q, "1.1.0");
      assertHello(r, "1.1.0");
      String progress = p.client("deploy:rollouts").out();
      assertTrue(progress.matches("(?s).*rollout \\d+ \\S+ stopped: push .*"
          + "wave 0 q\\s+rolled back\\s+rolled back " + BUNDLE + ".*"
          + "wave 1 r\\s+failed\\s+.*a publisher this node does not trust.*"), progress);
      assertTrue(q.client("deploy:history").out().contains("rolled back by hand"));
    }
  }

  private static Path build(Path example, Path jars, String version, Jars.Publisher by) throws Exception {
    Path plain = Jars.rewrite(example, jars.resolve(version + "-plain.jar"), Map.of("Bundle-Version", version),
        Map.of());
    return Jars.sign(plain, jars.resolve(version + ".jar"), by);
  }

  private static void assertHello(NodeProcess n, String version) throws Exception {
    Result h = n.client("hello:hello");
    assertEquals(0, h.exit(), h.toString());
    assertTrue(h.out().strip().endsWith("example plugin " + version), h.toString());
  }
}
