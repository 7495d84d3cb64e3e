package io.warren.deploy.internal;

import io.warren.deploy.Deployer.Offer;
import io.warren.deploy.Deployer.Signed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code deploy:update-node}: brings one node's bundles to this node's versions. The target says
 * which of the offered bundles it runs and their jars' digests ({@code deploy:inventory}, an admin
 * call); only the bundles whose digest differs (or that it lacks) are pushed, one after the other,
 * each verified and awaited there as any push. A push that fails there is rolled back there and
 * reported; the others still go.
 */
final class NodeUpdate {

  /** What an update did on one node: the bundles it changed there, its report, and whether all held. */
  record Outcome(String node, List<String> changed, String report, boolean ok) {}

  private NodeUpdate() {}

  static Outcome run(Pusher pusher, Offer offer, String node, String credentials, boolean force) throws Exception {
    Map<String, String[]> held = held(pusher, offer, node, credentials);
    List<String> changed = new ArrayList<>();
    StringBuilder report = new StringBuilder();
    boolean ok = true;
    int same = 0;
    for (Signed s : offer.signed()) {
      String[] there = held.get(s.bundle());
      if (there != null && there[1].equals(s.digest())) {
        same++;
        continue;
      }
      String from = there == null ? "not installed" : there[0];
      report.append(s.bundle()).append(' ').append(from).append(" -> ").append(s.version()).append(": ");
      try {
        String r = pusher.push(node, s.content(), credentials, force);
        if (Pusher.changed(r)) {
          changed.add(s.bundle());
        }
        report.append(r.lines().findFirst().orElse("")).append('\n');
      } catch (Exception e) {
        ok = false;
        report.append("FAILED: ").append(e.getMessage()).append('\n');
      }
    }
    report.append(same).append(" signed bundle(s) already the same there (by SHA-256)");
    if (!offer.skipped().isEmpty()) {
      report.append("\nnot sent, as ").append(node).append(" would refuse them (every pushed artifact must be signed by"
          + " a publisher it trusts):");
      for (String s : offer.skipped()) {
        report.append("\n  ").append(s);
      }
    }
    return new Outcome(node, changed, report.toString(), ok);
  }

  /**
   * {@link #run}, all or nothing (a feature): when a bundle fails, the ones this run changed on the
   * node are rolled back there ({@code deploy:rollback}, the last first).
   */
  static Outcome runAll(Pusher pusher, Offer offer, String node, String credentials, boolean force) throws Exception {
    Outcome o = run(pusher, offer, node, credentials, force);
    if (o.ok() || o.changed().isEmpty()) {
      return o;
    }
    StringBuilder report = new StringBuilder(o.report());
    for (int i = o.changed().size() - 1; i >= 0; i--) {
      String bundle = o.changed().get(i);
      try {
        pusher.call(node, List.of("deploy:rollback", bundle), credentials);
        report.append("\nrolled back ").append(bundle);
      } catch (Exception e) {
        report.append("\nrolling back ").append(bundle).append(" failed: ").append(e.getMessage());
      }
    }
    return new Outcome(node, List.of(), report.toString(), false);
  }

  /** The target's answer to {@code deploy:inventory}: by bundle, its version and digest. */
  private static Map<String, String[]> held(Pusher pusher, Offer offer, String node, String credentials)
      throws Exception {
    List<String> call = new ArrayList<>(List.of("deploy:inventory"));
    offer.signed().forEach(s -> call.add(s.bundle()));
    Map<String, String[]> out = new HashMap<>();
    if (call.size() == 1) {
      return out;
    }
    for (String line : pusher.call(node, call, credentials).split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length == 3) {
        out.put(f[0], new String[] {f[1], f[2]});
      }
    }
    return out;
  }
}
