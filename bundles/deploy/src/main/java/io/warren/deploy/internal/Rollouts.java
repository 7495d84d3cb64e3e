package io.warren.deploy.internal;

import io.warren.deploy.internal.NodeUpdate.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rollout: one change (a push, or an update to this node's versions) taken to many nodes in
 * waves: a canary alone first, then batches of {@link Plan#batchSize} nodes at once. When more than
 * {@link Plan#maxFailurePercent} of a wave fails, the rollout stops there and every bundle it changed
 * on any node (this wave's and the waves' before) is rolled back by an admin call
 * ({@code deploy:rollback} on that node), so every node is left on the version it had before. Each
 * target's progress is in the store ({@link RolloutStore}) as it happens.
 */
final class Rollouts {
  private static final Logger LOG = LoggerFactory.getLogger(Rollouts.class);
  private static final int MAX_PARALLEL = 8;

  /** How a rollout goes: nodes per wave after the canary, and the share of a wave that may fail. */
  record Plan(int batchSize, int maxFailurePercent) {
    Plan {
      if (batchSize < 1 || maxFailurePercent < 0 || maxFailurePercent > 100) {
        throw new IllegalArgumentException("a rollout needs a batch size of at least 1 and a failure share of"
            + " 0-100 %, got " + batchSize + " and " + maxFailurePercent);
      }
    }
  }

  /** The change, on one node. */
  interface Step {
    Outcome apply(String node) throws Exception;
  }

  private final RolloutStore store;
  private final Pusher pusher;

  Rollouts(RolloutStore store, Pusher pusher) {
    this.store = store;
    this.pusher = pusher;
  }

  /** {@code nodes} in waves: the canary ({@code canary}, else the first node) alone, then batches. */
  static List<List<String>> waves(List<String> nodes, String canary, int batchSize) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("no nodes to roll out to");
    }
    String first = canary.isEmpty() ? nodes.get(0) : canary;
    if (!nodes.contains(first)) {
      throw new IllegalArgumentException("the canary " + canary + " is not one of the nodes: " + nodes);
    }
    List<String> rest = new ArrayList<>(nodes);
    rest.remove(first);
    List<List<String>> waves = new ArrayList<>(List.of(List.of(first)));
    for (int i = 0; i < rest.size(); i += batchSize) {
      waves.add(List.copyOf(rest.subList(i, Math.min(rest.size(), i + batchSize))));
    }
    return waves;
  }

  /** Runs the rollout of {@code what} and answers its summary, one line per node. */
  String run(String what, List<List<String>> waves, Plan plan, Step step, String credentials)
      throws InterruptedException {
    long id = store.begin(what, waves);
    LOG.info("deploy: rollout {} of {} to {} node(s) in {} wave(s)", id, what, waves.stream().mapToInt(List::size)
        .sum(), waves.size());
    Map<String, Outcome> changed = new LinkedHashMap<>();
    StringBuilder out = new StringBuilder("rollout " + id + ": " + what + "\n");
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(MAX_PARALLEL, plan.batchSize()),
        r -> new Thread(r, "warren-deploy-rollout-" + id));
    try {
      for (int w = 0; w < waves.size(); w++) {
        List<String> wave = waves.get(w);
        Map<String, Future<Outcome>> running = new LinkedHashMap<>();
        for (String node : wave) {
          store.target(id, node, "updating", "");
          running.put(node, pool.submit(() -> step.apply(node)));
        }
        int failed = 0;
        for (Map.Entry<String, Future<Outcome>> e : running.entrySet()) {
          String node = e.getKey();
          Outcome o;
          try {
            o = e.getValue().get();
          } catch (ExecutionException x) {
            Throwable c = x.getCause();
            o = new Outcome(node, List.of(), c.getMessage() == null ? c.toString() : c.getMessage(), false);
          }
          if (!o.changed().isEmpty()) {
            changed.put(node, o);
          }
          failed += o.ok() ? 0 : 1;
          store.target(id, node, o.ok() ? (o.changed().isEmpty() ? "unchanged" : "updated") : "failed", o.report());
          out.append(String.format("wave %d %-20s %s: %s%n", w, node, o.ok() ? "ok" : "FAILED", o.report()
              .lines().findFirst().orElse("")));
        }
        if (failed * 100 > plan.maxFailurePercent() * wave.size()) {
          String why = (w == 0 ? "the canary" : "wave " + w) + ": " + failed + " of " + wave.size() + " failed (more"
              + " than " + plan.maxFailurePercent() + " %)";
          out.append("stopped, ").append(why).append("; rolling back\n");
          for (Map.Entry<String, Outcome> c : changed.entrySet()) {
            out.append(rollBack(id, c.getKey(), c.getValue().changed(), credentials)).append('\n');
          }
          for (int later = w + 1; later < waves.size(); later++) {
            for (String node : waves.get(later)) {
              store.target(id, node, "skipped", "the rollout stopped at " + (w == 0 ? "the canary" : "wave " + w));
            }
          }
          store.finish(id, "stopped", why);
          LOG.warn("deploy: rollout {} stopped, {}", id, why);
          return out.toString().stripTrailing();
        }
      }
      store.finish(id, "done", "");
      return out.append("done").toString();
    } finally {
      pool.shutdownNow();
    }
  }

  /** Rolls back on {@code node} the bundles the rollout changed there, the last first. */
  private String rollBack(long id, String node, List<String> bundles, String credentials) {
    List<String> failures = new ArrayList<>();
    for (int i = bundles.size() - 1; i >= 0; i--) {
      try {
        pusher.call(node, List.of("deploy:rollback", bundles.get(i)), credentials);
      } catch (Exception e) {
        failures.add(bundles.get(i) + ": " + e.getMessage());
      }
    }
    String detail = failures.isEmpty() ? "rolled back " + String.join(", ", bundles)
        : "rolling back failed: " + String.join("; ", failures);
    store.target(id, node, failures.isEmpty() ? "rolled back" : "rollback failed", detail);
    return "  " + node + ": " + detail;
  }
}
