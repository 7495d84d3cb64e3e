package io.warren.federation.internal;

import io.warren.api.MetricsSource;
import io.warren.libp2p.PeerInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Figures for node:metrics: members, libp2p connections and streams, syncs, admin calls. */
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
  public Map<String, Number> metrics() {
    Map<String, Number> m = new LinkedHashMap<>();
    List<PeerInfo> peers = federation.connections();
    m.put("members", federation.table().size() + 1);
    m.put("libp2p.connections", peers.size());
    m.put("libp2p.connections.relayed", peers.stream().filter(PeerInfo::relayed).count());
    m.put("libp2p.streams", peers.stream().mapToInt(PeerInfo::streams).sum());
    m.put("syncs", federation.sync().syncs());
    m.put("admin.calls.served", admin.served());
    return m;
  }
}
