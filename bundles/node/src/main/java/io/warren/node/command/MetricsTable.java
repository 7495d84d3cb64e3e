package io.warren.node.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code node:metrics --all}: one row per node, from each node's samples as {@code node:metrics
 * --samples} prints them (one {@code name{labels} value} a line), or the reason a node could not
 * be asked.
 */
final class MetricsTable {
  private static final Pattern LINE = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)(\\{(.*)})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final String ROW = "%-16s  %-12s  %-14s  %-8s  %-19s  %-7s  %-9s  %-9s  %s%n";
  private final StringBuilder out = new StringBuilder(
      String.format(ROW, "NODE", "PEER", "VERSION", "UPTIME", "CONNECTIONS", "STREAMS", "PROXY IN", "PROXY OUT",
          "STATUS"));

  /** One sample: its name, labels and value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  static List<Sample> parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
      }
      try {
        out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
      } catch (NumberFormatException e) {
        // not a sample line
      }
    }
    return out;
  }

  void node(String ref, List<Sample> samples) {
    Map<String, String> id = samples.stream().filter(s -> s.name().equals("warren_node_identity")).findFirst()
        .map(Sample::labels).orElse(Map.of());
    String peer = id.getOrDefault("peer_id", ref);
    long direct = (long) sum(samples, "warren_libp2p_connections", s -> "direct".equals(s.labels().get("path")));
    long relayed = (long) sum(samples, "warren_libp2p_connections", s -> "relayed".equals(s.labels().get("path")));
    out.append(String.format(ROW, id.getOrDefault("name", "?"), shortId(peer), id.getOrDefault("version", "?"),
        NodeStateFormat.duration(java.time.Duration.ofSeconds((long) sum(samples, "warren_node_uptime_seconds",
            s -> true))),
        direct + " direct, " + relayed + " relayed", (long) sum(samples, "warren_libp2p_streams", s -> true),
        bytes(sum(samples, "warren_proxy_bytes_total", s -> "in".equals(s.labels().get("direction")))),
        bytes(sum(samples, "warren_proxy_bytes_total", s -> "out".equals(s.labels().get("direction")))), "ok"));
  }

  /** A node that could not be asked; {@code reason} starts with what happened (unreachable, refused, failed). */
  void failed(String ref, String reason) {
    out.append(String.format(ROW, "?", shortId(ref), "", "", "", "", "", "", reason));
  }

  @Override
  public String toString() {
    return out.toString().stripTrailing();
  }

  private static double sum(List<Sample> samples, String name, Predicate<Sample> which) {
    return samples.stream().filter(s -> s.name().equals(name) && which.test(s)).mapToDouble(Sample::value).sum();
  }

  private static String shortId(String peer) {
    return peer.length() > 12 ? peer.substring(0, 6) + ".." + peer.substring(peer.length() - 4) : peer;
  }

  private static String bytes(double b) {
    if (b < 1024) {
      return (long) b + " B";
    }
    if (b < 1024 * 1024) {
      return String.format(java.util.Locale.ROOT, "%.1f KiB", b / 1024);
    }
    return String.format(java.util.Locale.ROOT, "%.1f MiB", b / (1024 * 1024));
  }
}
