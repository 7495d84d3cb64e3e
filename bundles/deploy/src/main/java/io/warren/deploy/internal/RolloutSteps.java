package io.warren.deploy.internal;

import io.warren.deploy.DeployException;
import io.warren.deploy.Deployer;
import io.warren.deploy.Deployer.Offer;
import io.warren.deploy.internal.NodeUpdate.Outcome;
import io.warren.deploy.internal.RolloutStore.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a rollout takes to each node, made from what the store keeps of it ({@link Spec}): the
 * same code when it begins and when the node continues it after a restart, where the artifacts
 * must still be there with the digests the rollout began with (else it cannot continue, and says why).
 */
final class RolloutSteps {
  static final String PUSH = "push";
  static final String FEATURE = "feature";
  static final String UPDATE_NODE = "update-node";

  private RolloutSteps() {}

  /** {@code deploy:push <jar> --all|--network}. */
  static Spec push(Path jar, byte[] content, boolean force, boolean credentials, Rollouts.Plan plan) {
    return new Spec(PUSH, jar.toAbsolutePath().toString(), "", force, credentials, plan.batchSize(), plan
        .maxFailurePercent(), List.of(jar.getFileName() + " " + Deployments.sha256(content)));
  }

  /** {@code deploy:push --feature <file> --all|--network}, its bundles read from {@code system}. */
  static Spec feature(Path file, Path system, Offer offer, boolean force, boolean credentials, Rollouts.Plan plan) {
    return new Spec(FEATURE, file.toAbsolutePath().toString(), system.toAbsolutePath().toString(), force,
        credentials, plan.batchSize(), plan.maxFailurePercent(), artifacts(offer));
  }

  /** {@code deploy:update-node --all|--network}: this node's signed bundles as they are now. */
  static Spec updateNode(Offer offer, boolean force, boolean credentials, Rollouts.Plan plan) {
    return new Spec(UPDATE_NODE, "", "", force, credentials, plan.batchSize(), plan.maxFailurePercent(),
        artifacts(offer));
  }

  /** The change on one node, its artifacts read again and checked against {@code spec}'s digests. */
  static Rollouts.Step step(Spec spec, Pusher pusher, Deployer deployer, String credentials) {
    switch (spec.kind()) {
      case PUSH -> {
        byte[] content = read(Path.of(spec.source()));
        String digest = spec.artifacts().get(0).substring(spec.artifacts().get(0).lastIndexOf(' ') + 1);
        if (!Deployments.sha256(content).equals(digest)) {
          throw new DeployException(spec.source() + " changed since the rollout began (its SHA-256 is another)");
        }
        return n -> {
          String r = pusher.push(n, content, credentials, spec.force());
          return new Outcome(n, Pusher.changed(r) ? List.of(r.split(" ", 2)[0]) : List.of(), r, true);
        };
      }
      case FEATURE -> {
        Offer offer;
        try {
          offer = FeatureFile.read(Path.of(spec.source()), Path.of(spec.system()));
        } catch (IOException | RuntimeException e) {
          throw new DeployException("the feature " + spec.source() + " cannot be read: " + e.getMessage(), e);
        }
        same(spec, offer);
        return n -> NodeUpdate.runAll(pusher, offer, n, credentials, spec.force());
      }
      case UPDATE_NODE -> {
        Offer now = deployer.offer();
        Offer offer = new Offer(now.signed().stream().filter(s -> spec.artifacts().contains(s.bundle() + " "
            + s.digest())).toList(), now.skipped());
        same(spec, offer);
        return n -> NodeUpdate.run(pusher, offer, n, credentials, spec.force());
      }
      default -> throw new DeployException("a rollout of an unknown kind '" + spec.kind() + "' (kept by an older"
          + " version)");
    }
  }

  private static List<String> artifacts(Offer offer) {
    return offer.signed().stream().map(s -> s.bundle() + " " + s.digest()).toList();
  }

  private static void same(Spec spec, Offer offer) {
    List<String> now = artifacts(offer);
    if (!now.equals(spec.artifacts())) {
      List<String> gone = spec.artifacts().stream().filter(a -> !now.contains(a)).toList();
      throw new DeployException("the bundles it sends are gone or changed since the rollout began: "
          + String.join(", ", gone.isEmpty() ? List.of("their order") : gone));
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DeployException(file + " is gone", e);
    } catch (IOException e) {
      throw new DeployException(file + " cannot be read: " + e.getMessage(), e);
    }
  }
}
