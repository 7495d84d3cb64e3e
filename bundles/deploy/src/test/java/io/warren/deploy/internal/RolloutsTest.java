package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.RemoteAdmin;
import io.warren.deploy.internal.NodeUpdate.Outcome;
import io.warren.deploy.internal.RolloutStore.Rollout;
import io.warren.deploy.internal.RolloutStore.Target;
import io.warren.store.internal.H2Store;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Waves (canary, batches), stopping when more than the share of a wave fails, and rolling back what changed. */
class RolloutsTest {
  @TempDir Path dir;
  private H2Store h2;

  @BeforeEach
  void open() {
    h2 = H2Store.open(dir);
  }

  @AfterEach
  void close() {
    h2.close();
  }

  @Test
  void theCanaryGoesAloneThenBatches() {
    assertEquals(List.of(List.of("c"), List.of("a", "b"), List.of("d", "e")), Rollouts.waves(List.of("a", "b",
        "c", "d", "e"), "c", 2));
    assertEquals(List.of(List.of("a"), List.of("b")), Rollouts.waves(List.of("a", "b"), "", 5));
    assertThrows(IllegalArgumentException.class, () -> Rollouts.waves(List.of("a"), "x", 1));
    assertThrows(IllegalArgumentException.class, () -> Rollouts.waves(List.of(), "", 1));
    assertThrows(IllegalArgumentException.class, () -> new Rollouts.Plan(0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Rollouts.Plan(1, 101));
  }

  @Test
  void aWaveWithMoreFailuresThanItsShareStopsTheRolloutAndEverythingChangedGoesBack() throws Exception {
    List<String> calls = new CopyOnWriteArrayList<>();
    RolloutStore store = new RolloutStore(h2);
    Rollouts rollouts = new Rollouts(store, pusher(calls));
    String summary = rollouts.run("push x", Rollouts.waves(List.of("a", "b", "c", "d"), "a", 2),
        spec(2, 0), node -> node.equals("c") ? new Outcome(node, List.of(), "refused", false)
            : new Outcome(node, List.of("x", "y"), "x 2.0 ACTIVE", true),
        null);
    assertTrue(summary.contains("stopped, wave 1: 1 of 2 failed (more than 0 %)"), summary);
    // the canary's and wave 1's changes, the last bundle first; wave 2 never started
    assertEquals(List.of("a deploy:rollback y", "a deploy:rollback x", "b deploy:rollback y",
        "b deploy:rollback x"), calls);
    Rollout r = store.rollouts(1).get(0);
    assertEquals("stopped", r.state());
    assertEquals(Map.of("a", "rolled back", "b", "rolled back", "c", "failed", "d", "skipped"), r.targets()
        .stream().collect(Collectors.toMap(Target::node, Target::state)));
  }

  @Test
  void failuresWithinTheShareLetTheRolloutGoOn() throws Exception {
    List<String> calls = new CopyOnWriteArrayList<>();
    RolloutStore store = new RolloutStore(h2);
    String summary = new Rollouts(store, pusher(calls)).run("push x", Rollouts.waves(List.of("a", "b", "c"), "",
        2), spec(2, 50),
        node -> node.equals("c") ? new Outcome(node, List.of(), "refused", false)
            : new Outcome(node, List.of("x"), "x 2.0 ACTIVE", true),
        null);
    assertTrue(summary.endsWith("done"), summary);
    assertEquals(List.of(), calls);
    assertEquals("done", store.rollouts(1).get(0).state());
  }

  @Test
  void aRolloutThisNodeWasRunningWhenItStoppedGoesOnFromWhereItWas() throws Exception {
    RolloutStore store = new RolloutStore(h2);
    long id = store.begin("push x", Rollouts.waves(List.of("a", "b", "c"), "a", 2), spec(2, 0));
    // the node stopped after the canary, while b was being updated
    store.target(id, "a", "updated", "x 2.0 ACTIVE", List.of("x"));
    store.target(id, "b", "updating", "");
    assertTrue(store.unfinished().isEmpty(), "this process's own rollouts are still going");
    stoppedProcess(h2);
    List<String> stepped = new CopyOnWriteArrayList<>();
    Rollout before = store.unfinished().get(0);
    assertTrue(store.claim(id));
    assertFalse(store.claim(id), "continued once");
    assertEquals(spec(2, 0), before.spec());
    String summary = new Rollouts(store, pusher(new CopyOnWriteArrayList<>())).resume(before, node -> {
      stepped.add(node);
      // b took the push the earlier process made before it stopped
      return node.equals("b") ? new Outcome(node, List.of(), "x 2.0 ACTIVE: already installed, nothing changed", true)
          : new Outcome(node, List.of("x"), "x 2.0 ACTIVE", true);
    });
    assertTrue(summary.endsWith("done"), summary);
    assertEquals(List.of("b", "c"), stepped.stream().sorted().toList(), "the canary is not updated again");
    Rollout r = store.rollouts(1).get(0);
    assertEquals("done", r.state());
    assertEquals("continued after this node restarted", r.detail());
    assertEquals(Map.of("a", "updated", "b", "updated", "c", "updated"), r.targets().stream().collect(Collectors
        .toMap(Target::node, Target::state)));
    assertTrue(store.unfinished().isEmpty());
    assertEquals(List.of("x"), r.targets().stream().filter(t -> t.node().equals("b")).findFirst().orElseThrow()
        .changed(), "b's update counts as the rollout's, for a rollback");
  }

  @Test
  void aRolloutWhoseArtifactIsGoneEndsAsFailedWithTheReason() throws Exception {
    RolloutStore store = new RolloutStore(h2);
    java.nio.file.Path jar = java.nio.file.Files.write(dir.resolve("x.jar"), new byte[] {1, 2, 3});
    RolloutStore.Spec spec = RolloutSteps.push(jar, new byte[] {1, 2, 3}, false, false, new Rollouts.Plan(1, 0));
    store.begin("push x", List.of(List.of("a"), List.of("b")), spec);
    stoppedProcess(h2);
    java.nio.file.Files.write(jar, new byte[] {1, 2, 4});
    io.warren.deploy.DeployException changed = assertThrows(io.warren.deploy.DeployException.class,
        () -> RolloutSteps.step(spec, null, null, ""));
    assertTrue(changed.getMessage().contains("changed since the rollout began"), changed.getMessage());
    java.nio.file.Files.delete(jar);
    io.warren.deploy.DeployException gone = assertThrows(io.warren.deploy.DeployException.class,
        () -> RolloutSteps.step(spec, null, null, ""));
    Rollouts rollouts = new Rollouts(store, null);
    rollouts.abandon(store.unfinished().get(0), gone.getMessage());
    Rollout r = store.rollouts(1).get(0);
    assertEquals("failed", r.state());
    assertTrue(r.detail().contains(jar + " is gone"), r.detail());
    assertEquals(Map.of("a", "skipped", "b", "skipped"), r.targets().stream().collect(Collectors.toMap(
        Target::node, Target::state)));
  }

  /** The rollouts in the store as an earlier process of the node left them. */
  private static void stoppedProcess(H2Store h2) {
    h2.transact(x -> {
      try (java.sql.Statement s = x.createStatement()) {
        return s.executeUpdate("UPDATE deploy_rollout SET runner = '1@earlier'");
      }
    });
  }

  private static RolloutStore.Spec spec(int batch, int maxFailures) {
    return new RolloutStore.Spec("push", "/x.jar", "", false, false, batch, maxFailures, List.of("x.jar " + "0"
        .repeat(64)));
  }

  /** A pusher whose admin calls are written down and answered "ok". */
  private static Pusher pusher(List<String> calls) {
    RemoteAdmin remote = (node, command, credentials) -> {
      calls.add(node + " " + String.join(" ", command));
      return CompletableFuture.completedFuture("ok");
    };
    return new Pusher(null, null, remote, java.time.Duration.ZERO);
  }
}
