package io.warren.node.internal;

import io.warren.api.Listener;
import io.warren.api.NodeProperties;
import io.warren.identity.AdminAccount;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.dto.BundleDTO;
import org.osgi.service.component.ComponentFactory;
import org.osgi.service.component.ComponentInstance;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.FieldOption;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Decides when the node is up: every bundle the launcher installed is active and every component
 * in them is satisfied. Then it prints the banner once and makes the {@link ReadyMarker} service
 * ({@value #READY}={@code true}) that the launcher waits for; if a component failed to activate or
 * stays unsatisfied, the marker carries {@value #READY}={@code false} and {@value #FAILURE}. It looks
 * again when a service or bundle changes (components becoming active register services), and at
 * least every {@value #POLL_MILLIS} ms, rather than copying every component's state in a tight loop.
 */
@Component(immediate = true)
public final class Readiness {
  static final String READY = "warren.ready";
  static final String FAILURE = "warren.failure";
  private static final long POLL_MILLIS = 100;
  private static final long GIVE_UP_MILLIS = 60_000;

  private final BundleContext context;
  private final ServiceComponentRuntime scr;
  private final NodeState node;
  private final AdminAccount admin;
  private final ComponentFactory<ReadyMarker> markers;
  private final Thread watcher;
  private final Semaphore changed = new Semaphore(0);
  private final ServiceListener onService = event -> changed.release();
  private final BundleListener onBundle = event -> changed.release();
  private volatile ComponentInstance<ReadyMarker> marker;
  /** The services' own ports (the SSH console ...), for the banner. */
  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      fieldOption = FieldOption.UPDATE) private final List<Listener> listeners =
          new java.util.concurrent.CopyOnWriteArrayList<>();

  @Activate
  public Readiness(BundleContext context, @Reference ServiceComponentRuntime scr,
      @Reference NodeState node, @Reference AdminAccount admin,
      @Reference(target = "(component.factory=" + ReadyMarker.FACTORY + ")") ComponentFactory<ReadyMarker> markers) {
    this.context = context;
    this.scr = scr;
    this.node = node;
    this.admin = admin;
    this.markers = markers;
    context.addServiceListener(onService);
    context.addBundleListener(onBundle);
    this.watcher = new Thread(this::watch, "warren-readiness");
    watcher.setDaemon(true);
    watcher.start();
  }

  @Deactivate
  void deactivate() {
    stopListening();
    watcher.interrupt();
    ComponentInstance<ReadyMarker> m = marker;
    if (m != null) {
      m.dispose();
    }
  }

  private void watch() {
    long deadline = System.currentTimeMillis() + GIVE_UP_MILLIS;
    try {
      while (true) {
        List<String> pending = new ArrayList<>();
        Optional<String> failure = scan(pending);
        if (failure.isPresent()) {
          stopListening();
          publish(false, failure.get());
          return;
        }
        if (pending.isEmpty()) {
          stopListening();
          banner();
          publish(true, null);
          return;
        }
        if (System.currentTimeMillis() > deadline) {
          stopListening();
          publish(false, "still waiting after " + GIVE_UP_MILLIS / 1000 + " s for: " + String.join("; ", pending));
          return;
        }
        changed.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS);
        changed.drainPermits();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalStateException e) {
      // bundle context invalid: the node is stopping
    }
  }

  private boolean ours(Bundle b) {
    String system = context.getProperty(NodeProperties.SYSTEM_DIR);
    return system == null || b.getLocation().contains(system);
  }

  private void stopListening() {
    try {
      context.removeServiceListener(onService);
      context.removeBundleListener(onBundle);
    } catch (IllegalStateException e) {
      // bundle context invalid: the node is stopping
    }
  }

  /**
   * One pass over the components (copying their states is the costly part): a component that failed
   * to activate, if any, else what is still pending added to {@code pending}.
   */
  private Optional<String> scan(List<String> pending) {
    // until the framework has started every bundle, the node cannot be ready: copying every
    // component's state at each of the hundreds of service events of a start took CPU from the
    // start itself (this thread had a tenth as many CPU samples as the start thread); a component
    // that failed meanwhile is reported by the first scan after, as Felix starts the rest regardless
    if (context.getBundle(0).getState() != Bundle.ACTIVE) {
      pending.add("framework start");
      return Optional.empty();
    }
    List<ComponentDescriptionDTO> descriptions = List.copyOf(scr.getComponentDescriptionDTOs());
    List<ComponentConfigurationDTO[]> configurations = new ArrayList<>();
    for (ComponentDescriptionDTO d : descriptions) {
      ComponentConfigurationDTO[] cs = scr.getComponentConfigurationDTOs(d).toArray(ComponentConfigurationDTO[]::new);
      configurations.add(cs);
      for (ComponentConfigurationDTO c : cs) {
        if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
          return Optional.of("component " + d.name + " failed to activate: " + c.failure);
        }
      }
    }
    for (Bundle b : context.getBundles()) {
      boolean fragment = b.getHeaders("").get("Fragment-Host") != null;
      if (ours(b) && !fragment && b.getState() != Bundle.ACTIVE) {
        pending.add("bundle " + b.getSymbolicName() + " is " + b.adapt(BundleDTO.class).state);
      }
    }
    for (int i = 0; i < descriptions.size(); i++) {
      ComponentDescriptionDTO d = descriptions.get(i);
      if (!ours(context.getBundle(d.bundle.id))) {
        continue;
      }
      for (ComponentConfigurationDTO c : configurations.get(i)) {
        if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
          List<String> missing = new ArrayList<>();
          for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
            missing.add(r.name);
          }
          pending.add("component " + d.name + " needs " + String.join(", ", missing));
        }
      }
    }
    return Optional.empty();
  }

  private void banner() {
    // first: the admin account may still be storing its hash (it does so beside the rest of the start),
    // and a node whose admin cannot log in yet is not ready
    Optional<String> generated = admin.takeGeneratedPassword();
    String adminUser = admin.adminUser();
    StringBuilder sb = new StringBuilder();
    long started = Long.parseLong(Optional.ofNullable(context.getProperty(NodeProperties.START_MILLIS)).orElse("0"));
    sb.append("Warren ").append(node.version()).append(" ready in ")
        .append(started == 0 ? "?" : String.valueOf(System.currentTimeMillis() - started)).append(" ms")
        .append(" (").append(System.getProperty("java.vendor")).append(' ')
        .append(System.getProperty("java.version")).append(")\n");
    line(sb, "name", node.identity().name());
    line(sb, "peer ID", node.identity().peerId());
    line(sb, "npub", node.identity().npub());
    line(sb, "data", node.dataDir());
    for (String a : node.listenAddresses()) {
      line(sb, "listening", a);
    }
    for (Listener l : listeners) {
      l.address().ifPresent(a -> line(sb, l.name(), a.getHostString() + ":" + a.getPort()));
    }
    if (generated.isPresent()) {
      line(sb, "admin user", adminUser);
      line(sb, "admin password", generated.get() + "   (shown once; only its hash is stored)");
    } else {
      line(sb, "admin user", adminUser + " (credentials unchanged)");
    }
    System.out.print(sb);
    System.out.flush();
  }

  private static void line(StringBuilder sb, String key, String value) {
    sb.append(String.format("  %-15s %s%n", key, value));
  }

  private void publish(boolean ok, String failure) {
    Hashtable<String, Object> props = new Hashtable<>();
    props.put(READY, String.valueOf(ok));
    if (failure != null) {
      props.put(FAILURE, failure);
    }
    if (!Thread.currentThread().isInterrupted()) { // else the component is going away
      marker = markers.newInstance(props);
    }
  }
}
