package io.warren.store.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link io.warren.api.Store} promises: a commit {@code transact} returned from survives a
 * kill -9 of the process at any moment. Writer processes ({@link CrashWriter}, 4 threads as the
 * default pool allows) are killed after a random number of acknowledged commits, up to 40 rounds
 * or 40 s of rounds on one database directory; every acknowledged row must be there after each.
 *
 * <p>The rounds run with H2's default retention time (45 s: freed space is not reused sooner),
 * which the store never lowers. An earlier version of this test set it to 0 so that space was
 * reused from the first round; H2's documentation calls a retention below the default dangerous,
 * and with 0 H2 2.4.240 once recovered a database without any of the round's 1,228 acknowledged
 * commits (one round in about 700 over the CI runs; why H2 fell back that far was not found). With
 * H2 2.5.252 retention 0 lost the last commits in about 60% of rounds, and the default in 2 of 100,
 * which is why the store pins 2.4.240. {@code bench/store.sh} runs longer rounds, with either
 * retention, and prints figures.
 */
class H2StoreCrashTest {
  @TempDir Path dir;

  @Test
  void everyAcknowledgedCommitSurvivesKill9() throws Exception {
    rounds(new CrashRounds(dir.resolve("db"), 4), 40, 40);
  }

  /**
   * What the relay's journal relies on: a commit of transactDeferred survives a kill once a
   * checkpoint after it has returned (the writers acknowledge their commits only then).
   */
  @Test
  void everyDeferredCommitSurvivesKill9OnceACheckpointReturned() throws Exception {
    rounds(new CrashRounds(dir.resolve("db"), 4, true), 15, 15);
  }

  private static void rounds(CrashRounds rounds, int most, int seconds) throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    List<String> losses = new ArrayList<>();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    int round = 0;
    int acknowledged = 0;
    while (round < most && (round < 3 || System.nanoTime() < end)) {
      round++;
      CrashRounds.Round r = rounds.round(round, 1 + random.nextInt(1500));
      acknowledged += r.acknowledged();
      if (!r.lost().isEmpty()) {
        losses.add("round " + round + ": " + r.lost().size() + " of " + r.acknowledged() + " lost, "
            + r.lost().subList(0, Math.min(5, r.lost().size())) + (r.lost().size() > 5 ? "..." : ""));
      }
    }
    System.out.printf("H2StoreCrashTest: %d kill -9 rounds, %d acknowledged commits, %d rounds with loss%n", round,
        acknowledged, losses.size());
    assertTrue(losses.isEmpty(), losses.size() + " of " + round + " rounds lost acknowledged commits (seed " + seed
        + ", " + acknowledged + " acknowledged in all): " + String.join("; ", losses));
  }
}
