package io.warren.node.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.NodeProperties;
import io.warren.api.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** What the node is right now: identity, version, uptime, addresses, bundles. */
@Component(service = NodeState.class)
public final class NodeState {
  /** Lets a console client receive the command's answer before the node goes away. */
  private static final long SHUTDOWN_GRACE_MILLIS = 300;
  private final BundleContext context;
  private final NodeIdentity identity;
  private final List<Transport> transports = new CopyOnWriteArrayList<>();

  @Activate
  public NodeState(BundleContext context, @Reference NodeIdentity identity) {
    this.context = context;
    this.identity = identity;
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addTransport(Transport t) {
    transports.add(t);
  }

  void removeTransport(Transport t) {
    transports.remove(t);
  }

  public NodeIdentity identity() {
    return identity;
  }

  public String version() {
    String v = context.getProperty(NodeProperties.VERSION);
    return v == null ? context.getBundle().getVersion().toString() : v;
  }

  public String dataDir() {
    return context.getProperty(NodeProperties.DATA_DIR);
  }

  public Duration uptime() {
    String start = context.getProperty(NodeProperties.START_MILLIS);
    long since = start == null ? context.getBundle(0).getLastModified() : Long.parseLong(start);
    return Duration.ofMillis(Math.max(0, System.currentTimeMillis() - since));
  }

  public List<String> listenAddresses() {
    List<String> out = new ArrayList<>();
    for (Transport t : transports) {
      out.addAll(t.listenAddresses());
    }
    return out;
  }

  /** Multiaddrs others can dial, each ending in /p2p/&lt;peer ID&gt;. */
  public List<String> shareableAddresses() {
    String suffix = "/p2p/" + identity.peerId();
    List<String> out = new ArrayList<>();
    for (String a : listenAddresses()) {
      if (a.startsWith("/")) {
        out.add(a.endsWith(suffix) ? a : a + suffix);
      }
    }
    return out;
  }

  public Bundle[] bundles() {
    return context.getBundles();
  }

  /** Stops the framework from another thread, after the caller had time to answer. */
  public void shutdownSoon() {
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(SHUTDOWN_GRACE_MILLIS);
        context.getBundle(0).stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (org.osgi.framework.BundleException | IllegalStateException e) {
        org.slf4j.LoggerFactory.getLogger(NodeState.class).error("Stopping the node failed", e);
      }
    }, "warren-shutdown-command");
    t.setDaemon(true);
    t.start();
  }
}
