package io.warren.voip.internal;

import io.warren.api.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** The voip figures for {@code /metrics} and {@code node:metrics}. */
final class VoipMetrics {
  private VoipMetrics() {}

  static List<Metric> samples(int calls, long overlayCalls, DeviceCalls devices, MediaRelay relay) {
    List<Metric> m = new ArrayList<>();
    m.add(Metric.gauge("warren_voip_calls", "Calls this node is a party to now (with Nostr devices too).", calls));
    m.add(Metric.counter("warren_voip_overlay_calls_total", "Calls answered with their media over the overlay.",
        overlayCalls));
    m.add(Metric.counter("warren_voip_device_events_total", "Signalling events from Nostr devices acted on or refused.",
        devices.handled.sum(), "result", "handled"));
    m.add(Metric.counter("warren_voip_device_events_total", "Signalling events from Nostr devices acted on or refused.",
        devices.refused.sum(), "result", "refused"));
    if (relay != null) {
      RelayTotals t = relay.totals;
      m.add(Metric.gauge("warren_voip_relay_sessions", "Calls the media relay carries now.", relay.sessions().size()));
      m.add(packets("forwarded", t.forwarded));
      m.add(packets("stranger", t.droppedStranger));
      m.add(packets("rate", t.droppedRate));
      m.add(packets("unlatched", t.droppedUnlatched));
      m.add(Metric.counter("warren_voip_relay_bytes_total", "Bytes of packets the media relay forwarded.",
          t.forwardedBytes.sum()));
      m.add(Metric.counter("warren_voip_relay_idle_closed_total", "Calls the media relay closed for idleness.",
          t.idleClosed.sum()));
    }
    return m;
  }

  private static Metric packets(String result, LongAdder n) {
    return Metric.counter("warren_voip_relay_packets_total",
        "Packets the media relay forwarded, or dropped: from a stranger, over the rate cap, before the other side latched.",
        n.sum(), "result", result);
  }
}
