package io.warren.deploy.internal;

import io.warren.deploy.DeployException;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The framework side of a deployment: installs or updates a bundle from bytes, refreshes what is
 * wired to it, starts it, and waits until it is ACTIVE and every enabled component it declares is
 * active (SATISFIED is enough for a delayed component nobody uses yet). A component whose activate
 * method threw fails the wait at once, with SCR's failure text.
 */
final class Installer {
  /** Where bundles installed by a push live: one location per symbolic name, updated in place. */
  static final String LOCATION = "warren-deploy:";

  private static final long POLL_MILLIS = 50;

  private final BundleContext context;
  private final ServiceComponentRuntime scr;

  Installer(BundleContext context, ServiceComponentRuntime scr) {
    this.context = context;
    this.scr = scr;
  }

  /** The installed bundle named {@code symbolicName}, the highest version if several. */
  Optional<Bundle> installed(String symbolicName) {
    return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName()))
        .max((a, b) -> a.getVersion().compareTo(b.getVersion()));
  }

  /** Installs {@code content} as a new bundle, not started. */
  Bundle install(String symbolicName, byte[] content) throws BundleException {
    return context.installBundle(LOCATION + symbolicName, new ByteArrayInputStream(content));
  }

  /** Replaces {@code bundle}'s content and refreshes it and everything wired to it. */
  void update(Bundle bundle, byte[] content, Duration timeout) throws BundleException, InterruptedException {
    bundle.update(new ByteArrayInputStream(content));
    refresh(List.of(bundle), timeout);
  }

  void refresh(Collection<Bundle> bundles, Duration timeout) throws InterruptedException {
    FrameworkWiring wiring =
        context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
    CountDownLatch done = new CountDownLatch(1);
    wiring.refreshBundles(bundles, e -> done.countDown());
    if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new DeployException("the framework did not refresh " + bundles + " within " + timeout.toSeconds() + " s");
    }
  }

  /**
   * Starts {@code bundle} and waits until it and its components are active, or throws saying what
   * is not (the resolver's message, the component that failed and why, or what is still pending).
   */
  void startAndAwait(Bundle bundle, Duration timeout) throws InterruptedException {
    try {
      bundle.start();
    } catch (BundleException | IllegalStateException e) {
      throw new DeployException("it does not start: " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String pending;
    do {
      pending = pending(bundle);
      if (pending == null) {
        return;
      }
      Thread.sleep(POLL_MILLIS);
    } while (System.nanoTime() - deadline < 0);
    throw new DeployException("not active within " + timeout.toSeconds() + " s: " + pending);
  }

  /** Names the components {@code bundle} declares and their states, for the report. */
  List<String> components(Bundle bundle) {
    List<String> out = new ArrayList<>();
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundle)) {
      for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
        out.add(d.name + " " + state(c.state));
      }
    }
    return out;
  }

  /** What is not active yet, or null when all is; throws when a component failed for good. */
  private String pending(Bundle bundle) {
    if (bundle.getState() != Bundle.ACTIVE) {
      return "the bundle is " + bundleState(bundle.getState());
    }
    ComponentDescriptionDTO[] none = new ComponentDescriptionDTO[0];
    ComponentDescriptionDTO[] described = scr.getComponentDescriptionDTOs(bundle).toArray(none);
    if (described.length == 0 && bundle.getHeaders().get("Service-Component") != null) {
      return "SCR has not read its components yet";
    }
    for (ComponentDescriptionDTO d : described) {
      if (!scr.isComponentEnabled(d)) {
        continue;
      }
      Collection<ComponentConfigurationDTO> configurations = scr.getComponentConfigurationDTOs(d);
      if (configurations.isEmpty()) {
        return "component " + d.name + " has no configuration";
      }
      for (ComponentConfigurationDTO c : configurations) {
        if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
          throw new DeployException("component " + d.name + " failed to activate: " + rootCause(c.failure));
        }
        boolean active = c.state == ComponentConfigurationDTO.ACTIVE
            || (!d.immediate && c.state == ComponentConfigurationDTO.SATISFIED);
        if (!active) {
          return "component " + d.name + " is " + state(c.state);
        }
      }
    }
    return null;
  }

  /** The deepest {@code Caused by:} of SCR's failure text (a stack trace), else its first line. */
  static String rootCause(String failure) {
    if (failure == null) {
      return "(SCR gave no reason)";
    }
    String[] lines = failure.split("\\R");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (lines[i].startsWith("Caused by: ")) {
        return lines[i].substring("Caused by: ".length()).strip();
      }
    }
    return lines[0].strip();
  }

  static String state(int s) {
    return switch (s) {
      case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "unsatisfied (configuration)";
      case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "unsatisfied (reference)";
      case ComponentConfigurationDTO.SATISFIED -> "satisfied";
      case ComponentConfigurationDTO.ACTIVE -> "active";
      case ComponentConfigurationDTO.FAILED_ACTIVATION -> "failed activation";
      default -> "state " + s;
    };
  }

  static String bundleState(int s) {
    return switch (s) {
      case Bundle.INSTALLED -> "INSTALLED (not resolved)";
      case Bundle.RESOLVED -> "RESOLVED";
      case Bundle.STARTING -> "STARTING";
      case Bundle.STOPPING -> "STOPPING";
      case Bundle.ACTIVE -> "ACTIVE";
      case Bundle.UNINSTALLED -> "UNINSTALLED";
      default -> "in state " + s;
    };
  }
}
