package io.warren.node.internal;

import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The node's own figures: which node and version, its uptime and its bundles by state. */
@Component(service = MetricsSource.class, property = MetricsSource.NAME + "=node")
public final class NodeMetrics implements MetricsSource {
  private static final List<String> STATES = List.of("active", "resolved", "installed", "starting", "stopping");
  private final NodeState node;

  @Activate
  public NodeMetrics(@Reference NodeState node) {
    this.node = node;
  }

  @Override
  public List<Metric> samples() {
    List<Metric> m = new ArrayList<>();
    m.add(Metric.gauge("warren_node_identity", "Always 1; its labels say which node and version this is.", 1, "name",
        node.identity().name(), "peer_id", node.identity().peerId(), "version", node.version()));
    m.add(Metric.gauge("warren_node_uptime_seconds", "Seconds since the node started.",
        node.uptime().toMillis() / 1000.0));
    Map<String, Integer> states = new TreeMap<>();
    STATES.forEach(s -> states.put(s, 0));
    for (Bundle b : node.bundles()) {
      states.computeIfPresent(state(b), (k, v) -> v + 1);
    }
    states.forEach((state, n) -> m.add(Metric.gauge("warren_node_bundles", "Bundles installed, by state.", n, "state",
        state)));
    return m;
  }

  private static String state(Bundle b) {
    return switch (b.getState()) {
      case Bundle.ACTIVE -> "active";
      case Bundle.RESOLVED -> "resolved";
      case Bundle.INSTALLED -> "installed";
      case Bundle.STARTING -> "starting";
      case Bundle.STOPPING -> "stopping";
      default -> "uninstalled";
    };
  }
}
