package io.warren.node.command;

import io.netty.util.concurrent.EventExecutor;
import io.warren.api.Json;
import io.warren.api.channel.EventLoops;
import io.warren.identity.NetworkCredentials;
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
    "osgi.command.function=bundles",
    "osgi.command.function=metrics",
    "osgi.command.function=whoami"})
public final class NodeCommands {
  /** Where Gogo prints a map's values (keys are padded to this width). */
  private static final int VALUE_COLUMN = 20;
  /** How long node:metrics --all waits for each other node. */
  private static final int ALL_NODES_TIMEOUT_SECONDS = 15;
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

  @Descriptor("Lists the bundles: id, state, version, symbolic name")
  public String bundles(
      @Descriptor("a JSON array: id, name, version, state (active, resolved, fragment, ...), fragment") @Parameter(
          names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json) {
    List<Object> rows = new ArrayList<>();
    StringBuilder b = new StringBuilder(String.format("%-4s  %-11s  %-28s  %s%n", "ID", "STATE", "VERSION", "NAME"));
    for (Bundle bundle : node.bundles()) {
      String state = NodeStateFormat.state(bundle);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", bundle.getBundleId());
      m.put("name", bundle.getSymbolicName());
      m.put("version", bundle.getVersion().toString());
      m.put("state", state.toLowerCase(java.util.Locale.ROOT));
      m.put("fragment", bundle.getHeaders().get("Fragment-Host") != null);
      rows.add(m);
      b.append(String.format("%-4d  %-11s  %-28s  %s%n", bundle.getBundleId(), state, bundle.getVersion(),
          bundle.getSymbolicName()));
    }
    return json ? Json.write(rows) : b.toString().stripTrailing();
  }

  @Descriptor("Who this console session is: the admin of this node (every console session is; a wrong password"
      + " never gets this far)")
  public String whoami() {
    return "admin of " + node.identity().name() + " (" + node.identity().peerId() + "), network "
        + networks.defaultNetwork().map(NetworkCredentials.Network::name).orElse("(none)");
  }

  @Descriptor("Stops this node cleanly (as Ctrl-D at the console or SIGTERM would)")
  public String shutdown() {
    node.shutdownSoon();
    return "stopping " + node.identity().peerId();
  }

  @Descriptor("Prints this node's shareable bootstrap identity (JSON with its name and addresses)")
  public String identity(
      @Descriptor("print it base64-encoded, as --bootstrap takes it") @Parameter(names = {"-b64", "--b64", "--base64"},
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

  @Descriptor("Shows version, uptime, CPU, memory, disk, bundle states and every bundle's metrics (of another "
      + "node with --node, of every node of the network with --all)")
  public Object metrics(
      @Descriptor("show this node of the network instead (needs its admin authorization)") @Parameter(
          names = {"-n", "--node"}, absentValue = "") String nodeRef,
      @Descriptor("with --node or --all: the nodes' admin credentials, user:password (else their standing grants)") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("a table of every node of the network, this one first; unreachable nodes say why") @Parameter(
          names = {"-a", "--all"}, presentValue = "true", absentValue = "false") boolean all,
      @Descriptor("only the samples, one 'name{labels} value' a line, as /metrics names them") @Parameter(
          names = {"-s", "--samples"}, presentValue = "true", absentValue = "false") boolean samplesOnly)
      throws Exception {
    if (all && !nodeRef.isEmpty()) {
      throw new IllegalArgumentException("--all and --node exclude each other");
    }
    if (all) {
      return allNodes(credentials);
    }
    if (!nodeRef.isEmpty()) {
      return remote().runAndWait(nodeRef, samplesOnly ? List.of("node:metrics", "--samples") : List.of("node:metrics"),
          credentials, java.time.Duration.ofMinutes(2));
    }
    if (samplesOnly) {
      return String.join("\n", samples());
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
    List<String> samples = samples();
    m.put("metrics", samples.isEmpty() ? "(none)" : column(samples));
    return m;
  }

  private io.warren.api.RemoteAdmin remote() {
    io.warren.api.RemoteAdmin r = remote;
    if (r == null) {
      throw new IllegalStateException("--node and --all need the federation bundle, which is not running");
    }
    return r;
  }

  /** Every source's samples, by source name, as {@code name{labels} value}; a failing source says why. */
  private List<String> samples() {
    List<String> out = new ArrayList<>();
    new java.util.TreeMap<>(invert()).forEach((name, source) -> {
      try {
        for (io.warren.api.Metric s : source.samples()) {
          double v = s.value();
          out.add(s.selector() + " " + (v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
              : Double.toString(v)));
        }
      } catch (RuntimeException e) {
        out.add("# " + name + " failed: " + e.getMessage());
      }
    });
    return out;
  }

  /** This node's row, then each other node's, asked at once; one that does not answer says why. */
  private String allNodes(String credentials) {
    io.warren.api.RemoteAdmin r = remote();
    MetricsTable table = new MetricsTable();
    table.node(node.identity().peerId(), MetricsTable.parse(String.join("\n", samples())));
    Map<String, java.util.concurrent.CompletableFuture<String>> asked = new LinkedHashMap<>();
    for (String peer : r.nodes()) {
      asked.put(peer, r.run(peer, List.of("node:metrics", "--samples"), credentials.isEmpty() ? null : credentials)
          .toCompletableFuture().orTimeout(ALL_NODES_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS));
    }
    asked.forEach((peer, answer) -> {
      try {
        table.node(peer, MetricsTable.parse(answer.join()));
      } catch (java.util.concurrent.CompletionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        String why = cause instanceof java.util.concurrent.TimeoutException
            ? "unreachable: no answer within " + ALL_NODES_TIMEOUT_SECONDS + " s"
            : cause instanceof io.warren.api.TransportException ? "unreachable: " + cause.getMessage()
                : cause instanceof io.warren.api.AuthenticationException ? "refused: " + cause.getMessage()
                    + " (give --credentials, or net:trust this node there)"
                    : "failed: " + cause.getMessage();
        table.failed(peer, why);
      }
    });
    return table.toString();
  }

  private Map<String, io.warren.api.MetricsSource> invert() {
    Map<String, io.warren.api.MetricsSource> out = new LinkedHashMap<>();
    sources.forEach((s, n) -> out.put(n, s));
    return out;
  }
}
