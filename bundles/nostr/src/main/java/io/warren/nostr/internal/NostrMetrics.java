package io.warren.nostr.internal;

import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Nostr relay's figures for {@code /metrics}: client connections, devices and their tunnels,
 * events stored, accepted, rejected (by reason) and served, and slow readers closed. All zero
 * while the relay is off, so dashboards find every name.
 */
@Component(service = MetricsSource.class, property = MetricsSource.NAME + "=nostr")
public final class NostrMetrics implements MetricsSource {
  private final NostrRelay relay;

  @Activate
  public NostrMetrics(@Reference NostrRelay relay) {
    this.relay = relay;
  }

  @Override
  public List<Metric> samples() {
    RelayServer server = relay.server();
    NostrCounters counters = server == null ? new NostrCounters() : server.counters();
    List<DeviceHub.Device> devices = relay.devices();
    List<Metric> m = new ArrayList<>();
    m.add(Metric.gauge("warren_nostr_connections", "WebSocket clients connected to the relay now.",
        server == null ? 0 : server.connections()));
    m.add(Metric.gauge("warren_nostr_devices", "Devices connected to the relay now (authenticated, announced).",
        devices.size()));
    m.add(Metric.gauge("warren_nostr_tunnels", "Tunnels open to connected devices now.",
        devices.stream().mapToInt(DeviceHub.Device::tunnels).sum()));
    m.add(Metric.gauge("warren_nostr_events_stored", "Events in the relay's store.",
        server == null ? 0 : server.storedEvents()));
    m.add(Metric.counter("warren_nostr_events_accepted_total", "EVENTs the relay accepted (OK true).",
        counters.accepted()));
    for (Map.Entry<String, Long> e : counters.rejected().entrySet()) {
      m.add(Metric.counter("warren_nostr_events_rejected_total",
          "EVENTs the relay refused (OK false), by the reason's NIP-01 prefix.", e.getValue(), "reason", e.getKey()));
    }
    m.add(Metric.counter("warren_nostr_events_served_total", "Events sent to subscribers, stored or live.",
        counters.servedTotal()));
    m.add(Metric.counter("warren_limit_refused_total",
        "Connections, streams or requests refused because a limit was reached, by limit.",
        server == null ? 0 : server.slowReadersClosed(), "limit", "nostr_output_bytes"));
    return m;
  }
}
