package io.warren.deploy.internal;

import io.warren.deploy.DeployException;
import io.warren.deploy.Deployer.Held;
import io.warren.deploy.Deployer.Offer;
import io.warren.deploy.Deployer.Signed;
import io.warren.deploy.internal.DeployStore.Artifact;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The bundles a node runs and their jars' digests, for {@code deploy:update-node}: the target says
 * what it holds, the pusher what it could send. A bundle's bytes are the artifact kept from its last
 * push while that is the version running, else what its location holds (the installation's
 * {@code system/}, {@code deploy/}).
 */
final class Inventory {
  private final BundleContext context;
  private final DeployStore store;
  private final Deployments deployments;

  Inventory(BundleContext context, DeployStore store, Deployments deployments) {
    this.context = context;
    this.store = store;
    this.deployments = deployments;
  }

  List<Held> held(List<String> names) {
    List<Held> out = new ArrayList<>();
    for (String name : names) {
      bundles().stream().filter(b -> name.equals(b.getSymbolicName())).findFirst().ifPresent(b -> out.add(new Held(
          name, b.getVersion().toString(), content(b).map(Deployments::sha256).orElse("?"))));
    }
    return out;
  }

  Offer offer() {
    List<Signed> signed = new ArrayList<>();
    TreeMap<String, List<String>> skipped = new TreeMap<>();
    for (Bundle b : bundles()) {
      Optional<byte[]> content = content(b);
      String name = b.getSymbolicName();
      if (content.isEmpty()) {
        skipped.computeIfAbsent("its jar cannot be read from " + b.getLocation(), k -> new ArrayList<>()).add(name);
        continue;
      }
      try {
        deployments.verify(content.get());
        signed.add(new Signed(name, b.getVersion().toString(), Deployments.sha256(content.get()), content.get()));
      } catch (DeployException e) {
        skipped.computeIfAbsent(why(e.getMessage()), k -> new ArrayList<>()).add(name);
      }
    }
    List<String> reasons = new ArrayList<>();
    skipped.forEach((why, names) -> reasons.add(names.size() + " " + why + ": " + String.join(", ", names)));
    return new Offer(signed, reasons);
  }

  /** A refusal as the reason a group of bundles is left out. */
  private static String why(String refusal) {
    if (refusal.contains("unsigned")) {
      return "unsigned (the distribution's own bundles are: update those with a new release)";
    }
    if (refusal.contains("does not trust")) {
      return "signed by a publisher this node does not trust";
    }
    return "refused here (" + refusal.replaceFirst("^refused: ", "") + ")";
  }

  /** Every bundle but the framework, with a symbolic name, by name. */
  private List<Bundle> bundles() {
    List<Bundle> out = new ArrayList<>();
    for (Bundle b : context.getBundles()) {
      if (b.getBundleId() != 0 && b.getSymbolicName() != null) {
        out.add(b);
      }
    }
    out.sort(Comparator.comparing(Bundle::getSymbolicName));
    return out;
  }

  /** Where a bundle was installed from, as a URL ({@code reference:} taken off: the file it names). */
  static URL location(Bundle b) throws IOException {
    String l = b.getLocation();
    return new URL(l.startsWith("reference:") ? l.substring("reference:".length()) : l);
  }

  /** The running version's jar: the artifact of its last push, else read from its location. */
  private Optional<byte[]> content(Bundle b) {
    String version = b.getVersion().toString();
    Optional<byte[]> pushed = store.kept(b.getSymbolicName()).flatMap(k -> store.artifact(k.current()))
        .filter(a -> a.version().equals(version)).map(Artifact::content);
    if (pushed.isPresent()) {
      return pushed;
    }
    try (InputStream in = location(b).openStream()) {
      return Optional.of(in.readAllBytes());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
