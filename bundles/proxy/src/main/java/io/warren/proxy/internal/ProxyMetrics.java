package io.warren.proxy.internal;

import io.warren.api.Metric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The proxy's figures for {@code /metrics}: per rule, its connections, failures and bytes each
 * way ({@code direction="in"}: from the overlay, {@code "out"}: into it), and the node-wide
 * connection limit. A removed rule's series go with it.
 */
final class ProxyMetrics {
  private ProxyMetrics() {}

  static List<Metric> samples(Collection<ActiveRule> rules, long open, long limitRefused) {
    List<Metric> m = new ArrayList<>();
    m.add(Metric.gauge("warren_proxy_rules", "Proxy rules active on this node.", rules.size()));
    m.add(Metric.gauge("warren_proxy_connections_open", "Proxied connections open now, all rules.", open));
    m.add(Metric.counter("warren_limit_refused_total",
        "Connections, streams or requests refused because a limit was reached, by limit.", limitRefused, "limit",
        "proxy_connections"));
    for (ActiveRule a : rules) {
      String[] labels = labels(a);
      m.add(Metric.counter("warren_proxy_connections_total", "Connections proxied through a rule.", a.total.get(),
          labels));
      m.add(Metric.counter("warren_proxy_connection_failures_total",
          "Connections through a rule that failed (peer unreachable, refused, over the limit).", a.failures.get(),
          labels));
      m.add(Metric.counter("warren_proxy_bytes_total", "Bytes carried by a rule; in: from the overlay, out: into it.",
          a.bytesIn.get(), with(labels, "direction", "in")));
      m.add(Metric.counter("warren_proxy_bytes_total", "Bytes carried by a rule; in: from the overlay, out: into it.",
          a.bytesOut.get(), with(labels, "direction", "out")));
    }
    return m;
  }

  private static String[] labels(ActiveRule a) {
    return new String[] {"rule", a.rule.id(), "type", a.rule.direction().name().toLowerCase(Locale.ROOT), "port",
        Integer.toString(a.rule.port())};
  }

  private static String[] with(String[] labels, String name, String value) {
    String[] out = Arrays.copyOf(labels, labels.length + 2);
    out[labels.length] = name;
    out[labels.length + 1] = value;
    return out;
  }
}
