package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.Jars;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout survives the pushing node's death: P rolls a build whose component takes 4 s to
 * activate out to Q (the canary) and S; once Q is updated and S is being updated, P is killed with
 * kill -9. Started again on the same data directory, P continues the rollout from the store: Q is not
 * pushed to again, S is, and the rollout ends done with both on the new version, as
 * {@code deploy:rollouts --json} says.
 */
class DeployRolloutRestartTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final String NETWORK = "restnet:NetPass";

  @TempDir Path dir;

  @Test
  void aRolloutGoesOnAfterThePusherIsKilledAndStartsAgain() throws Exception {
    DeployTest.Example example = DeployTest.Example.in(dir);
    Jars.Publisher publisher = example.publisher();
    Path v100 = example.v100();
    Path slow = DeployTest.build(example.plain(), example.jars(), "1.6.0", publisher, Map.of(
        "Hello-Activation-Delay-Millis", "4000"), 0);

    long begin = System.nanoTime();
    long ready;
    long killed;
    try (Network net = new Network(dir, NETWORK)) {
      NodeProcess q = net.member("q", "io.warren.deploy", "");
      NodeProcess s = net.member("s", "io.warren.deploy", "");
      NodeProcess p = net.member("p", "io.warren.deploy", "");
      String pId = p.banner("peer ID");
      ready = (System.nanoTime() - begin) / 1_000_000;
      for (NodeProcess n : new NodeProcess[] {q, s}) {
        assertEquals(0, n.client("net:trust", pId, "admin").exit());
        assertEquals(0, n.client("deploy:trust", "add", publisher.certificate().toString()).exit());
        String name = n == q ? "q" : "s";
        p.awaitClient(SYNC, o -> o.exit() == 0, "deploy:push", "--node", name, v100.toString());
      }

      Process rollout = new ProcessBuilder(p.clientCommand("deploy:push", "--network", "restnet", "--canary", "q",
          slow.toString())).redirectErrorStream(true).start();
      try {
        Await.until(SYNC, () -> {
          String json = p.client("deploy:rollouts", "--json").out();
          return target(json, "q", "updated") && target(json, "s", "updating");
        }, "the canary updated and S being updated");
        p.kill9();
        killed = (System.nanoTime() - begin) / 1_000_000;
      } finally {
        rollout.destroyForcibly();
      }

      try (NodeProcess again = NodeProcess.startMember(p.home(), p.dataDir(), NETWORK, "admin:Ap", q.identity())) {
        Result done;
        try {
          done = again.awaitClient(SYNC.multipliedBy(2),
              o -> o.out().matches("(?s)\\[\\{\"id\":\\d+,\"started\":\"[^\"]*\","
                  + "\"state\":\"(done|stopped|failed)\".*"),
              "deploy:rollouts", "--json");
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "\n--- p after the restart:\n" + NodeProcess.tail(again.err())
              + "\n--- s:\n" + NodeProcess.tail(s.err()), e);
        }
        String json = done.out();
        assertTrue(json.matches(
            "(?s)\\[\\{\"id\":\\d+,\"started\":\"[^\"]*\",\"state\":\"done\",\"what\":\"push [^\"]*\",\"detail\":"
                + "\"continued after this node restarted\".*"),
            json);
        assertTrue(target(json, "q", "updated"), json);
        assertTrue(target(json, "s", "updated") || target(json, "s", "unchanged"), json);
        for (NodeProcess n : new NodeProcess[] {q, s}) {
          Result h = n.client("hello:hello");
          assertTrue(h.out().strip().endsWith("example plugin 1.6.0"), h.toString());
        }
        // Q got the build once: the canary's update was kept, not pushed again
        String qHistory = q.client("deploy:history").out();
        assertEquals(1, qHistory.lines().filter(l -> l.contains(" 1.6.0 ")).count(), qHistory);
        assertTrue(again.err().contains("continuing rollout"), NodeProcess.tail(again.err()));
        System.out.printf("rollout restart phases (ms since the test began): nodes ready %d, pusher killed %d, rollout"
            + " done after the restart %d%n%s%n", ready, killed, (System.nanoTime() - begin) / 1_000_000,
            again.err()
                .lines().filter(l -> l.contains("deploy") || l.contains("ready")).collect(java.util.stream.Collectors
                    .joining("\n")));
      }
    }
  }

  /** Whether the newest rollout in {@code json} has {@code node} in {@code state}. */
  private static boolean target(String json, String node, String state) {
    int end = json.indexOf("]}");
    String newest = end < 0 ? json : json.substring(0, end);
    return Pattern.compile("\"node\":\"" + node + "\",\"state\":\"" + state + "\"").matcher(newest).find();
  }
}
