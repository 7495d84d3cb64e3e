package io.warren.dashboard.internal;

import io.warren.api.CommandRunner;
import io.warren.api.Json;
import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import io.warren.api.NodeProperties;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * What the dashboard shows and does, through the same ways in as the console: the node's identity,
 * its network ({@code net:peers --json}), its proxy rules ({@code proxy:list --json}) and their byte
 * counters (the proxy's {@link MetricsSource}), the bundles ({@code node:bundles --json}), the
 * relay's devices and their services, the certificates and the update history
 * (the console's text of {@code relay:services}, {@code tls:cert list} and {@code deploy:history}). A bundle that is not
 * installed leaves its part saying so. Actions run console commands, so they are checked and
 * refused exactly as typed ones are.
 */
final class NodeView {
  static final String BYTES = "warren_proxy_bytes_total";
  static final String PEER_BYTES = "warren_libp2p_peer_bytes_total";
  private final CommandRunner runner;
  private final BundleContext context;
  private final Supplier<Collection<MetricsSource>> sources;
  private final Overlay overlay;

  NodeView(CommandRunner runner, BundleContext context, Supplier<Collection<MetricsSource>> sources,
      Overlay overlay) {
    this.runner = runner;
    this.context = context;
    this.sources = sources;
    this.overlay = overlay;
  }

  /** The whole state as one JSON object; blocks for up to the pings of {@code net:peers}. */
  String state() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("time", Instant.now().toString());
    doc.put("version", context.getProperty(NodeProperties.VERSION));
    doc.put("node", json("node:identity"));
    doc.put("network", json("net:peers", "--json"));
    doc.put("rules", json("proxy:list", "--json"));
    Map<String, Map<String, Object>> byRule = new TreeMap<>();
    Map<String, Map<String, Object>> byPeer = new TreeMap<>();
    traffic(byRule, byPeer);
    doc.put("traffic", byRule);
    doc.put("peerTraffic", byPeer);
    doc.put("overlay", overlay.state());
    doc.put("bundles", json("node:bundles", "--json"));
    doc.put("devices", text("relay:services"));
    doc.put("certificates", text("tls:cert", "list"));
    doc.put("updates", text("deploy:history"));
    return Json.write(doc);
  }

  /** Runs a console command of an action; its text, or the error it failed with. */
  CommandRunner.Outcome run(List<String> words) {
    return runner.run(words);
  }

  /**
   * Stops and starts bundle {@code id}.
   *
   * @throws IllegalArgumentException when there is no such bundle or it may not be restarted from here
   */
  String restart(long id) throws BundleException {
    Bundle b = context.getBundle(id);
    if (b == null) {
      throw new IllegalArgumentException("no bundle " + id);
    }
    if (id == 0 || b.equals(context.getBundle())) {
      throw new IllegalArgumentException(b.getSymbolicName() + " cannot be restarted from the dashboard "
          + "(it would stop the page that asks); use the console");
    }
    if (b.getHeaders().get("Fragment-Host") != null) {
      throw new IllegalArgumentException(b.getSymbolicName() + " is a fragment; restart its host instead");
    }
    b.stop();
    b.start();
    return b.getSymbolicName() + " restarted" + (b.getState() == Bundle.ACTIVE ? "" : ", but it is not active");
  }

  /**
   * Pushes the uploaded bundle {@code jar} (called {@code name} on the operator's disk) to
   * {@code node} with {@code deploy:push}, run through the console as a typed one is.
   *
   * @throws IllegalArgumentException when it is not a bundle jar, or the push was refused or failed
   */
  String push(String node, String credentials, String name, byte[] jar) throws IOException {
    String bundle = BundlePush.check(name, jar);
    BundlePush.words(node, credentials, name);
    File data = context.getDataFile("uploads");
    Path dir = data == null ? null : Files.createDirectories(data.toPath());
    Path file = dir == null ? Files.createTempFile("warren-push-", ".jar") : Files.createTempFile(dir, "push-", ".jar");
    try {
      Files.write(file, jar);
      CommandRunner.Outcome o = runner.run(BundlePush.words(node, credentials, file.toString()));
      if (!o.ok()) {
        throw new IllegalArgumentException("push of " + bundle + " to " + node + " failed: " + o.text().strip());
      }
      return o.text().strip();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private Object json(String... words) {
    CommandRunner.Outcome o = runner.run(List.of(words));
    String text = o.text().strip();
    if (o.ok() && (text.startsWith("{") || text.startsWith("["))) {
      return new Json.Raw(text);
    }
    return Map.of("error", text.isEmpty() ? "no answer" : text);
  }

  private Map<String, Object> text(String... words) {
    CommandRunner.Outcome o = runner.run(List.of(words));
    return o.ok() ? Map.of("text", o.text().strip()) : Map.of("error", o.text().strip());
  }

  /**
   * Per rule id: bytes in (from the overlay) and out (into it), connections; per peer ID: bytes in
   * and out over this node's libp2p connections to it (libp2p's {@value #PEER_BYTES}).
   */
  private void traffic(Map<String, Map<String, Object>> byRule, Map<String, Map<String, Object>> byPeer) {
    for (MetricsSource s : sources.get()) {
      List<Metric> samples;
      try {
        samples = s.samples();
      } catch (RuntimeException e) {
        continue; // a failing source is the metrics endpoint's to report; the page shows the others
      }
      for (Metric m : samples) {
        String peer = m.labels().get("peer");
        if (peer != null && m.name().equals(PEER_BYTES)) {
          byPeer.computeIfAbsent(peer, r -> new LinkedHashMap<>())
              .put("in".equals(m.labels().get("direction")) ? "in" : "out", (long) m.value());
          continue;
        }
        String rule = m.labels().get("rule");
        if (rule == null) {
          continue;
        }
        if (m.name().equals(BYTES)) {
          byRule.computeIfAbsent(rule, r -> new LinkedHashMap<>())
              .put("in".equals(m.labels().get("direction")) ? "in" : "out", (long) m.value());
        } else if (m.name().equals("warren_proxy_connections_total")) {
          byRule.computeIfAbsent(rule, r -> new LinkedHashMap<>()).put("connections", (long) m.value());
        }
      }
    }
  }
}
