package io.warren.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One figure a {@link MetricsSource} reports, named and labelled by Prometheus conventions: a
 * {@code warren_} prefix, base units ({@code _bytes}, {@code _seconds}) and a {@code _total}
 * suffix on counters. The name is the one a query uses; the metrics endpoint writes it unchanged.
 *
 * @param name e.g. {@code warren_proxy_bytes_total}
 * @param kind whether it only ever grows (a counter) or goes up and down (a gauge)
 * @param help one line saying what it counts, for {@code # HELP}
 * @param labels label names to values (insertion order is kept), e.g. {@code rule -> web}
 * @param value the figure now
 */
public record Metric(String name, Kind kind, String help, Map<String, String> labels, double value) {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  /** What sort of figure it is. */
  public enum Kind {
    /** Only grows (from zero at the process's start); its name ends in {@code _total}. */
    COUNTER,
    /** A level that goes up and down. */
    GAUGE
  }

  /**
   * Checks the name, labels and, for counters, the {@code _total} suffix and a value not below zero.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public Metric {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("metric name " + name + " is not [a-zA-Z_][a-zA-Z0-9_]*");
    }
    if (kind == Kind.COUNTER && (!name.endsWith("_total") || value < 0)) {
      throw new IllegalArgumentException("counter " + name + " must end in _total and not be negative");
    }
    labels = labels == null ? Map.of() : labels;
    for (String label : labels.keySet()) {
      if (!NAME.matcher(label).matches() || label.startsWith("__")) {
        throw new IllegalArgumentException("label " + label + " of " + name + " is not a valid label name");
      }
    }
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    help = help == null ? "" : help;
  }

  /** A counter; {@code labels} are name, value pairs. */
  public static Metric counter(String name, String help, double value, String... labels) {
    return new Metric(name, Kind.COUNTER, help, pairs(name, labels), value);
  }

  /** A gauge; {@code labels} are name, value pairs. */
  public static Metric gauge(String name, String help, double value, String... labels) {
    return new Metric(name, Kind.GAUGE, help, pairs(name, labels), value);
  }

  /** The sample as a query would select it, e.g. {@code warren_proxy_bytes_total{rule="web"}}. */
  public String selector() {
    if (labels.isEmpty()) {
      return name;
    }
    StringBuilder b = new StringBuilder(name).append('{');
    labels.forEach((k, v) -> b.append(b.charAt(b.length() - 1) == '{' ? "" : ",").append(k).append("=\"")
        .append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"'));
    return b.append('}').toString();
  }

  private static Map<String, String> pairs(String name, String... labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels of " + name + " must be name, value pairs");
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      m.put(labels[i], labels[i + 1]);
    }
    return m;
  }
}
