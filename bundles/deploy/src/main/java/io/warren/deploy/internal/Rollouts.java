package io.warren.deploy.internal;

import io.warren.deploy.internal.NodeUpdate.Outcome;
import io.warren.deploy.internal.RolloutStore.Rollout;
import io.warren.deploy.internal.RolloutStore.Spec;
import io.warren.deploy.internal.RolloutStore.Target;
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
 * target's progress is in the store ({@link RolloutStore}) as it happens, with what the rollout sends
 * and its plan, so a node that stopped during one continues it when it starts again ({@link #resume}).
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

  /** Runs the rollout of {@code what} (its plan and artifacts in {@code spec}) and answers its summary, one line per node. */
  String run(String what, List<List<String>> waves, Spec spec, Step step, String credentials)
      throws InterruptedException {
    long id = store.begin(what, waves, spec);
    LOG.info("deploy: rollout {} of {} to {} node(s) in {} wave(s)", id, what, waves.stream().mapToInt(List::size)
        .sum(), waves.size());
    return proceed(id, step, credentials, "");
  }

  /**
   * Continues rollout {@code r}, which this node was running when it stopped: the nodes it had
   * updated or seen fail count as they were; the ones it was updating are updated again (a push of
   * what a node already runs changes nothing there). Without {@code --credentials} (never kept).
   */
  String resume(Rollout r, Step step) throws InterruptedException {
    LOG.info("deploy: continuing rollout {} ({}) after this node restarted", r.id(), r.what());
    return proceed(r.id(), step, "", "continued after this node restarted");
  }

  /** Ends rollout {@code r}, which cannot continue after a restart, saying why; its waiting nodes are skipped. */
  void abandon(Rollout r, String why) {
    for (Target t : r.targets()) {
      if (t.state().equals("waiting") || t.state().equals("updating")) {
        store.target(r.id(), t.node(), "skipped", "the rollout could not continue: " + why);
      }
    }
    store.finish(r.id(), "failed", "could not continue after this node restarted: " + why);
    LOG.warn("deploy: rollout {} could not continue after a restart: {}", r.id(), why);
  }

  private String proceed(long id, Step step, String credentials, String note) throws InterruptedException {
    Rollout r = store.rollout(id);
    Plan plan = new Plan(r.spec().batch(), r.spec().maxFailures());
    int waves = r.targets().stream().mapToInt(Target::wave).max().orElse(-1) + 1;
    Map<String, List<String>> changed = new LinkedHashMap<>();
    java.util.Set<String> interrupted = new java.util.HashSet<>();
    boolean stopping = false;
    for (Target t : r.targets()) {
      if (!t.changed().isEmpty() && !t.state().startsWith("rolled back")) {
        changed.put(t.node(), t.changed());
      }
      stopping |= t.state().equals("skipped") || t.state().startsWith("roll");
      if (t.state().equals("updating")) {
        interrupted.add(t.node());
      }
    }
    StringBuilder out = new StringBuilder("rollout " + id + ": " + r.what() + "\n");
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(MAX_PARALLEL, plan.batchSize()),
        x -> new Thread(x, "warren-deploy-rollout-" + id));
    try {
      for (int w = 0; w < waves; w++) {
        int wave = w;
        List<Target> members = r.targets().stream().filter(t -> t.wave() == wave).toList();
        Map<String, Future<Outcome>> running = new LinkedHashMap<>();
        int failed = 0;
        for (Target t : members) {
          if (!stopping && (t.state().equals("waiting") || t.state().equals("updating"))) {
            store.target(id, t.node(), "updating", note);
            running.put(t.node(), pool.submit(() -> step.apply(t.node())));
          } else {
            failed += t.state().equals("failed") ? 1 : 0;
            out.append(String.format("wave %d %-20s %s: %s%n", w, t.node(), t.state(), t.detail().lines().findFirst()
                .orElse("")));
          }
        }
        for (Map.Entry<String, Future<Outcome>> e : running.entrySet()) {
          String node = e.getKey();
          Outcome o;
          try {
            o = e.getValue().get();
          } catch (ExecutionException x) {
            Throwable c = x.getCause();
            o = new Outcome(node, List.of(), c.getMessage() == null ? c.toString() : c.getMessage(), false);
          }
          if (o.ok() && o.changed().isEmpty() && !note.isEmpty() && interrupted.contains(node) && !Pusher.changed(
              o.report())) {
            // the push this node's earlier process made there had landed: it is this rollout's change
            o = new Outcome(node, List.of(o.report().split(" ", 2)[0]), "(updated before this node restarted) "
                + o.report(), true);
          }
          if (!o.changed().isEmpty()) {
            changed.put(node, o.changed());
          }
          failed += o.ok() ? 0 : 1;
          store.target(id, node, o.ok() ? (o.changed().isEmpty() ? "unchanged" : "updated") : "failed", o.report(),
              o.changed());
          out.append(String.format("wave %d %-20s %s: %s%n", w, node, o.ok() ? "ok" : "FAILED", o.report()
              .lines().findFirst().orElse("")));
        }
        if (stopping || failed * 100 > plan.maxFailurePercent() * members.size()) {
          String why = stopping ? "it was stopping when this node restarted" : (w == 0 ? "the canary" : "wave " + w)
              + ": " + failed + " of " + members.size() + " failed (more than " + plan.maxFailurePercent() + " %)";
          out.append("stopped, ").append(why).append("; rolling back\n");
          for (Map.Entry<String, List<String>> c : changed.entrySet()) {
            out.append(rollBack(id, c.getKey(), c.getValue(), credentials)).append('\n');
          }
          for (Target t : r.targets()) {
            if ((t.wave() > w || stopping) && (t.state().equals("waiting") || t.state().equals("updating"))) {
              store.target(id, t.node(), "skipped", "the rollout stopped at " + (w == 0 ? "the canary" : "wave " + w));
            }
          }
          store.finish(id, "stopped", why);
          LOG.warn("deploy: rollout {} stopped, {}", id, why);
          return out.toString().stripTrailing();
        }
      }
      store.finish(id, "done", note);
      return out.append("done").toString();
    } finally {
      pool.shutdownNow();
    }
  }

  /** Rolls back on {@code node} the bundles the rollout changed there, the last first. */
  private String rollBack(long id, String node, List<String> bundles, String credentials) throws InterruptedException {
    List<String> failures = new ArrayList<>();
    for (int i = bundles.size() - 1; i >= 0; i--) {
      try {
        pusher.call(node, List.of("deploy:rollback", bundles.get(i)), credentials);
      } catch (InterruptedException e) {
        throw e;
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
