package io.warren.federation.command;

import io.warren.api.Json;
import io.warren.api.PeerId;
import io.warren.federation.Member;
import io.warren.federation.internal.FederationService;
import io.warren.federation.internal.RemoteAdminCalls;
import io.warren.libp2p.Libp2pNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code net:} console scope: the network's nodes, admin grants, and commands on other nodes. */
@Component(service = NetCommands.class, property = {
    "osgi.command.scope=net",
    "osgi.command.function=nodes",
    "osgi.command.function=peers",
    "osgi.command.function=status",
    "osgi.command.function=trust",
    "osgi.command.function=untrust",
    "osgi.command.function=trusts",
    "osgi.command.function=exec",
    "osgi.command.function=attributes",
    "osgi.command.function=register"})
public final class NetCommands {
  private static final Duration REMOTE_TIMEOUT = Duration.ofMinutes(2);
  /** How long net:peers waits for one ping answer. */
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
  private final FederationService federation;
  private final RemoteAdminCalls remote;
  private final Libp2pNode libp2p;

  @Activate
  public NetCommands(@Reference FederationService federation, @Reference RemoteAdminCalls remote,
      @Reference Libp2pNode libp2p) {
    this.federation = federation;
    this.remote = remote;
    this.libp2p = libp2p;
  }

  @Descriptor("Joins this node's network through another member, as --bootstrap does at start (kept for restarts)")
  public String register(
      @Descriptor("another node's node:identity --b64 output") String identity) {
    return "joining through " + federation.register(identity);
  }

  @Descriptor("Status at a glance (warren status): this node and every member with path, round trip, last seen and "
      + "version; connected members are pinged once, in parallel")
  public String peers(
      @Descriptor("one JSON object: network, and peers with name, peerId, path, rttMillis, lastSeen, version") @Parameter(
          names = {"--json"}, presentValue = "true", absentValue = "false") boolean json) {
    List<Member> members = federation.members();
    Map<String, CompletableFuture<Duration>> rtts = new LinkedHashMap<>();
    for (Member m : members) {
      if (!m.self() && !m.path().equals("-")) {
        rtts.put(m.peerId(), libp2p.ping(m.peerId(), 1).toCompletableFuture()
            .thenApply(r -> r.rtts().isEmpty() ? null : r.rtts().get(0))
            .completeOnTimeout(null, PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .exceptionally(e -> null));
      }
    }
    return json ? peersJson(members, rtts) : peersTable(members, rtts);
  }

  private String peersTable(List<Member> members, Map<String, CompletableFuture<Duration>> rtts) {
    StringBuilder b = new StringBuilder();
    b.append("network ").append(federation.network().orElse("(none: start with -dnc network:password)"))
        .append(String.format("%n%n"));
    b.append(String.format("%-20s  %-52s  %-8s  %-9s  %-10s  %s%n", "NAME", "PEER ID", "PATH", "RTT", "LAST SEEN",
        "VERSION"));
    Instant now = Instant.now();
    for (Member m : members) {
      String rtt = "-";
      if (rtts.containsKey(m.peerId())) {
        Duration d = rtts.get(m.peerId()).join();
        rtt = d == null ? "no answer" : millis(d);
      }
      String seen = m.self() ? "-" : m.lastContact() == null ? "never" : ago(Duration.between(m.lastContact(), now));
      b.append(String.format("%-20s  %-52s  %-8s  %-9s  %-10s  %s%n", m.name(), m.peerId(), path(m), rtt, seen,
          m.version()));
    }
    return b.toString().stripTrailing();
  }

  private String peersJson(List<Member> members, Map<String, CompletableFuture<Duration>> rtts) {
    List<Object> peers = new ArrayList<>();
    for (Member m : members) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", m.name());
      p.put("peerId", m.peerId());
      p.put("path", path(m));
      Duration d = rtts.containsKey(m.peerId()) ? rtts.get(m.peerId()).join() : null;
      p.put("rttMillis", d == null ? null : d.toNanos() / 1e6);
      p.put("lastSeen", m.self() || m.lastContact() == null ? null : m.lastContact().toString());
      p.put("version", m.version());
      p.put("self", m.self());
      peers.add(p);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("network", federation.network().orElse(null));
    doc.put("peers", peers);
    return Json.write(doc);
  }

  private static String path(Member m) {
    return m.self() ? "self" : m.path().equals("-") ? "offline" : m.path();
  }

  private static String millis(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
  }

  @Descriptor("Lists the nodes of this node's network: peer ID, name, path (tcp/quic/relayed) and its round trip, last"
      + " contact, addresses")
  public String nodes(
      @Descriptor("one JSON object: nodes (peerId, name, path, rttMillis, lastContact, addresses) and nameConflicts") @Parameter(
          names = {"--json"}, presentValue = "true", absentValue = "false") boolean json) {
    List<Member> members = federation.members();
    if (json) {
      List<Object> nodes = new ArrayList<>();
      for (Member m : members) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("peerId", m.peerId());
        n.put("name", m.name());
        n.put("path", path(m));
        n.put("rttMillis", m.rtt() == null ? null : m.rtt().toNanos() / 1e6);
        n.put("lastContact", m.self() || m.lastContact() == null ? null : m.lastContact().toString());
        n.put("addresses", m.addresses());
        nodes.add(n);
      }
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("nodes", nodes);
      doc.put("nameConflicts", new LinkedHashMap<>(federation.nameConflicts()));
      return Json.write(doc);
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-52s  %-20s  %-8s  %-9s  %-12s  %s%n", "PEER ID", "NAME", "PATH", "RTT", "LAST CONTACT",
        "ADDRESSES"));
    Instant now = Instant.now();
    for (Member m : members) {
      String contact = m.self() ? "-" : m.lastContact() == null ? "never" : ago(Duration.between(m.lastContact(), now));
      List<String> addrs = m.addresses().isEmpty() ? List.of("(none)") : m.addresses();
      String rtt = m.rtt() == null ? "-" : millis(m.rtt());
      b.append(String.format("%-52s  %-20s  %-8s  %-9s  %-12s  %s%n", m.peerId(), m.name(), m.path(), rtt, contact,
          addrs.get(0)));
      for (String a : addrs.subList(1, addrs.size())) {
        b.append(String.format("%-52s  %-20s  %-8s  %-9s  %-12s  %s%n", "", "", "", "", "", a));
      }
    }
    Map<String, List<String>> conflicts = federation.nameConflicts();
    if (!conflicts.isEmpty()) {
      b.append(String.format("%nconflicting names (they name no node; give the peer ID):%n"));
      conflicts.forEach((name, peers) -> b.append(String.format("  %-20s  %s%n", name, String.join(", ", peers))));
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Shows the network, its members, the bootstrap nodes and the peers this node refused")
  public Map<String, Object> status() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("network", federation.network().orElse("(none: start with -dnc network:password)"));
    m.put("members", federation.members().size());
    List<String> boot = new ArrayList<>();
    for (Map<String, Object> s : federation.bootstrapStatus()) {
      boot.add(s.get("peer") + " " + s.get("name") + ": " + s.get("status") + " (last contact " + s.get("last-contact")
          + ")");
    }
    m.put("bootstrap", boot.isEmpty() ? "(none)" : String.join("\n" + " ".repeat(20), boot));
    List<String> refused = new ArrayList<>();
    federation.refusals().forEach((peer, why) -> refused.add(peer + ": " + why));
    m.put("refused", refused.isEmpty() ? "(none)" : String.join("\n" + " ".repeat(20), refused));
    List<String> conflicts = new ArrayList<>();
    federation.nameConflicts().forEach((name, peers) -> conflicts.add(name + ": " + String.join(", ", peers)));
    m.put("name conflicts", conflicts.isEmpty() ? "(none)" : String.join("\n" + " ".repeat(20), conflicts));
    m.put("admin grants", federation.grantList().size());
    m.put("admin calls served", remote.served());
    return m;
  }

  @Descriptor("Gives another node's key a standing authorization on this node (only 'admin' exists)")
  public String trust(@Descriptor("the node: peer ID or name") String node,
      @Descriptor("the right to give: admin") String right) {
    if (!"admin".equals(right)) {
      throw new IllegalArgumentException("unknown right '" + right + "' (expected: admin)");
    }
    String peer = peerId(node);
    federation.grant(peer);
    return peer + " may now run admin commands on this node (net:untrust " + peer + " takes it back)";
  }

  @Descriptor("Takes back a node's standing admin authorization")
  public String untrust(@Descriptor("the node: peer ID or name") String node) {
    String peer = peerId(node);
    return federation.revoke(peer) ? peer + " no longer has admin authorization here" : peer + " had no grant";
  }

  @Descriptor("Lists the nodes with a standing admin authorization on this node")
  public String trusts(@Descriptor("a JSON array: peer, role, since") @Parameter(names = {"--json"},
      presentValue = "true", absentValue = "false") boolean json) {
    Map<String, Instant> grants = federation.grantList();
    if (json) {
      List<Object> out = new ArrayList<>();
      grants.forEach((peer, when) -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peer", peer);
        m.put("role", "admin");
        m.put("since", when == null ? null : when.toString());
        out.add(m);
      });
      return Json.write(out);
    }
    if (grants.isEmpty()) {
      return "(no grants)";
    }
    StringBuilder b = new StringBuilder();
    grants.forEach((peer, when) -> b.append(peer).append("  admin  since ").append(when).append('\n'));
    return b.toString().stripTrailing();
  }

  @Descriptor("Runs a console command on another node of the network, with that node's admin authorization")
  public String exec(
      @Descriptor("that node's admin credentials, user:password (without: a grant from net:trust)") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("the node: peer ID or name") String node,
      @Descriptor("the command and its arguments") String... command) throws Exception {
    return remote.runAndWait(node, Arrays.asList(command), credentials, REMOTE_TIMEOUT);
  }

  @Descriptor("Shows the attributes services put into a node's signed record (ssh.hostkey, ...); this node's without"
      + " an argument")
  public String attributes(@Descriptor("the node: peer ID or name") String... node) {
    if (node.length > 1) {
      throw new IllegalArgumentException("net:attributes takes one node, got " + node.length);
    }
    String peer = node.length == 0 ? federation.members().get(0).peerId() : peerId(node[0]);
    Map<String, String> a = federation.attributesOf(peer).orElseThrow(
        () -> new IllegalArgumentException("no signed record of " + peer + " here (net:nodes lists the known ones)"));
    if (a.isEmpty()) {
      return "(no attributes)";
    }
    StringBuilder b = new StringBuilder();
    a.forEach((k, v) -> b.append(String.format("%-20s  %s%n", k, v)));
    return b.toString().stripTrailing();
  }

  private String peerId(String node) {
    if (PeerId.isPeerId(node)) {
      return PeerId.parse(node).toString();
    }
    return federation.resolve(node).peerId();
  }

  private static String ago(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + "s ago";
    }
    if (s < 3600) {
      return s / 60 + "m ago";
    }
    return s / 3600 + "h ago";
  }
}
