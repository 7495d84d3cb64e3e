package io.warren.federation.internal;

import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The network's figures for {@code /metrics} and node:metrics: members, peer-table syncs, admin
 * calls served. (libp2p reports its connections and streams itself.)
 */
@Component(service = MetricsSource.class, property = MetricsSource.NAME + "=network")
public final class NetworkMetrics implements MetricsSource {
  private final FederationService federation;
  private final RemoteAdminCalls admin;

  @Activate
  public NetworkMetrics(@Reference FederationService federation, @Reference RemoteAdminCalls admin) {
    this.federation = federation;
    this.admin = admin;
  }

  @Override
  public List<Metric> samples() {
    return List.of(
        Metric.gauge("warren_network_members", "Nodes in this node's network's peer table, this node included.",
            federation.table().size() + 1),
        Metric.counter("warren_network_syncs_total", "Peer-table syncs this node completed as the dialer.",
            federation.sync().syncs()),
        Metric.counter("warren_network_admin_calls_served_total", "Remote admin calls this node served.",
            admin.served()));
  }
}
