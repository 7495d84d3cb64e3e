package io.warren.node.command;

import io.netty.util.concurrent.EventExecutor;
import io.warren.api.channel.EventLoops;
import io.warren.identity.NetworkCredentials;
import io.warren.node.internal.Json;
import io.warren.node.internal.NodeState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code node:} console scope. */
@Component(service = NodeCommands.class, property = {
    "osgi.command.scope=node",
    "osgi.command.function=info",
    "osgi.command.function=identity",
    "osgi.command.function=shutdown",
    "osgi.command.function=metrics"})
public final class NodeCommands {
  /** Where Gogo prints a map's values (keys are padded to this width). */
  private static final int VALUE_COLUMN = 20;
  private final NodeState node;
  private final NetworkCredentials networks;
  private final EventLoops loops;
  private final java.util.Map<io.warren.api.MetricsSource, String> sources =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile io.warren.api.RemoteAdmin remote;

  @Activate
  public NodeCommands(@Reference NodeState node, @Reference NetworkCredentials networks, @Reference EventLoops loops) {
    this.node = node;
    this.networks = networks;
    this.loops = loops;
  }

  @Descriptor("Shows this node: peer ID, npub, version, uptime, data directory, event loops, addresses and bundles")
  public Map<String, Object> info() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", node.identity().name());
    m.put("peer-id", node.identity().peerId());
    m.put("npub", node.identity().npub());
    m.put("version", node.version());
    m.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
    m.put("uptime", NodeStateFormat.duration(node.uptime()));
    m.put("data-dir", node.dataDir());
    m.put("event-loops", loops.ioTransport() + ", " + threads(loops) + " threads");
    m.put("network", networks.defaultNetwork().map(NetworkCredentials.Network::name).orElse("(none)"));
    m.put("bootstrap", networks.bootstrapIdentities().size() + " node(s)");
    List<String> addresses = node.listenAddresses();
    m.put("listening", addresses.isEmpty() ? "(no transport listening)" : column(addresses));
    List<String> bundles = new ArrayList<>();
    for (Bundle b : node.bundles()) {
      bundles.add(String.format("%3d %-11s %s %s", b.getBundleId(), NodeStateFormat.state(b),
          b.getSymbolicName(), b.getVersion()));
    }
    m.put("bundles", column(bundles));
    return m;
  }

  private static int threads(EventLoops loops) {
    int n = 0;
    for (EventExecutor ignored : loops.group()) {
      n++;
    }
    return n;
  }

  /** Several values under one key, one per line, aligned under the console's value column. */
  private static String column(List<String> values) {
    return String.join("\n" + " ".repeat(VALUE_COLUMN), values);
  }

  @Descriptor("Stops this node cleanly (as Ctrl-D at the console or SIGTERM would)")
  public String shutdown() {
    node.shutdownSoon();
    return "stopping " + node.identity().peerId();
  }

  @Descriptor("Prints this node's shareable bootstrap identity (JSON with its name and addresses)")
  public String identity(
      @Descriptor("print it base64-encoded, as --bootstrap takes it") @Parameter(names = {"-b64", "--base64"},
          presentValue = "true", absentValue = "false") boolean base64) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("name", node.identity().name());
    doc.put("peerId", node.identity().peerId());
    doc.put("addresses", node.shareableAddresses());
    String json = Json.write(doc);
    return base64 ? Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)) : json;
  }

  @org.osgi.service.component.annotations.Reference(
      cardinality = org.osgi.service.component.annotations.ReferenceCardinality.MULTIPLE,
      policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
  void addSource(io.warren.api.MetricsSource source, Map<String, Object> props) {
    Object name = props.get(io.warren.api.MetricsSource.NAME);
    sources.put(source, name instanceof String n && !n.isBlank() ? n : source.getClass().getSimpleName());
  }

  void removeSource(io.warren.api.MetricsSource source) {
    sources.remove(source);
  }

  @org.osgi.service.component.annotations.Reference(
      cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
      policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC,
      policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
  void setRemote(io.warren.api.RemoteAdmin r) {
    remote = r;
  }

  void unsetRemote(io.warren.api.RemoteAdmin r) {
    if (remote == r) {
      remote = null;
    }
  }

  @Descriptor("Shows version, uptime, CPU, memory, disk, bundle states and traffic counters (of another node with --node)")
  public Object metrics(
      @Descriptor("show this node of the network instead (needs its admin authorization)") @Parameter(
          names = {"-n", "--node"}, absentValue = "") String nodeRef,
      @Descriptor("with --node: that node's admin credentials, user:password") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials)
      throws Exception {
    if (!nodeRef.isEmpty()) {
      io.warren.api.RemoteAdmin r = remote;
      if (r == null) {
        throw new IllegalStateException("--node needs the federation bundle, which is not running");
      }
      return r.runAndWait(nodeRef, List.of("node:metrics"), credentials, java.time.Duration.ofMinutes(2));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", node.identity().name());
    m.put("peer-id", node.identity().peerId());
    m.put("version", node.version());
    m.put("uptime", NodeStateFormat.duration(node.uptime()));
    m.putAll(io.warren.node.internal.SystemMetrics.read(java.nio.file.Path.of(node.dataDir())));
    Map<String, Integer> states = new java.util.TreeMap<>();
    List<String> notActive = new ArrayList<>();
    for (Bundle b : node.bundles()) {
      String state = NodeStateFormat.state(b);
      states.merge(state, 1, Integer::sum);
      if (b.getState() != Bundle.ACTIVE && b.getHeaders().get("Fragment-Host") == null) {
        notActive.add(b.getSymbolicName() + " " + state);
      }
    }
    m.put("bundles", states.toString().replaceAll("[{}]", ""));
    if (!notActive.isEmpty()) {
      m.put("not active", column(notActive));
    }
    List<String> traffic = new ArrayList<>();
    new java.util.TreeMap<>(invert()).forEach((name, source) -> {
      try {
        source.metrics().forEach((k, v) -> traffic.add(name + "." + k + " = " + v));
      } catch (RuntimeException e) {
        traffic.add(name + ": " + e.getMessage());
      }
    });
    m.put("counters", traffic.isEmpty() ? "(none)" : column(traffic));
    return m;
  }

  private Map<String, io.warren.api.MetricsSource> invert() {
    Map<String, io.warren.api.MetricsSource> out = new LinkedHashMap<>();
    sources.forEach((s, n) -> out.put(n, s));
    return out;
  }
}
