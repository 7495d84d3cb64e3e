package io.warren.node.command;

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
    "osgi.command.function=shutdown"})
public final class NodeCommands {
  /** Where Gogo prints a map's values (keys are padded to this width). */
  private static final int VALUE_COLUMN = 20;
  private final NodeState node;
  private final NetworkCredentials networks;

  @Activate
  public NodeCommands(@Reference NodeState node, @Reference NetworkCredentials networks) {
    this.node = node;
    this.networks = networks;
  }

  @Descriptor("Shows this node: peer ID, npub, version, uptime, data directory, addresses and bundles")
  public Map<String, Object> info() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", node.identity().name());
    m.put("peer-id", node.identity().peerId());
    m.put("npub", node.identity().npub());
    m.put("version", node.version());
    m.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
    m.put("uptime", NodeStateFormat.duration(node.uptime()));
    m.put("data-dir", node.dataDir());
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
      @Descriptor("print it base64-encoded, as --bootstrap takes it")
      @Parameter(names = {"-b64", "--base64"}, presentValue = "true", absentValue = "false") boolean base64) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("name", node.identity().name());
    doc.put("peerId", node.identity().peerId());
    doc.put("addresses", node.shareableAddresses());
    String json = Json.write(doc);
    return base64 ? Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)) : json;
  }
}
