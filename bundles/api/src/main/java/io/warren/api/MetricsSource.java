package io.warren.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bundle's counters and gauges, registered as a whiteboard service with property
 * {@value #NAME} (e.g. {@code proxy}). The metrics bundle serves every source's {@link #samples}
 * on {@code /metrics}; {@code node:metrics} shows them. Transports and services contribute this
 * way, through the api, and never import the metrics bundle.
 */
public interface MetricsSource {
  /** Service property naming the source. */
  String NAME = "warren.metrics";

  /**
   * The figures now, named by Prometheus conventions. A source reports every series it has, at
   * zero too, so that a query finds the name before the first event.
   *
   * @since 1.4
   */
  default List<Metric> samples() {
    return List.of();
  }

  /** The current figures by name, for a console table; by default each sample's selector. */
  default Map<String, Number> metrics() {
    Map<String, Number> m = new LinkedHashMap<>();
    for (Metric s : samples()) {
      m.put(s.selector(), s.value());
    }
    return m;
  }
}
