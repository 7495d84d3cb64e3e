package io.warren.proxy.command;

import io.warren.api.Json;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.proxy.ProxyRules;
import io.warren.proxy.Rule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@code proxy:} console scope. With {@code --node <peer>} a command runs on that node instead
 * (with its admin authorization: {@code --credentials user:password} or a grant from its admin).
 */
@Component(service = ProxyCommands.class, property = {
    "osgi.command.scope=proxy",
    "osgi.command.function=add",
    "osgi.command.function=list",
    "osgi.command.function=remove"})
public final class ProxyCommands {
  private static final Pattern DURATION = Pattern.compile("(\\d+)([smhd])");
  private final ProxyRules rules;
  private final PeerDirectory directory;
  private volatile RemoteAdmin remote;

  @Activate
  public ProxyCommands(@Reference ProxyRules rules, @Reference PeerDirectory directory) {
    this.rules = rules;
    this.directory = directory;
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setRemote(RemoteAdmin r) {
    remote = r;
  }

  void unsetRemote(RemoteAdmin r) {
    if (remote == r) {
      remote = null;
    }
  }

  @Descriptor("Adds a proxy rule. Egress: listen on --port here, forward to --target <node>:<port>. "
      + "Ingress: accept streams from --origin <node>[:<port>] and connect them to --port on this node")
  public String add(
      @Descriptor("egress (listen here) or ingress (deliver here)") @Parameter(names = {"-d", "--direction"},
          absentValue = "") String direction,
      @Descriptor("egress: the port to listen on; ingress: the local port to connect to") @Parameter(
          names = {"-p", "--port"}, absentValue = "0") int port,
      @Descriptor("egress: <node>:<port>, the node (peer ID or name) and the port asked for there") @Parameter(
          names = {"-t", "--target", "--traffic-target"}, absentValue = "") String target,
      @Descriptor("ingress: <node>[:<port>], the only node (and its egress port) whose streams are accepted") @Parameter(
          names = {"-o", "--origin", "--traffic-origin"}, absentValue = "") String origin,
      @Descriptor("egress: the address to listen on (default 127.0.0.1); ingress: the host to connect to (default 127.0.0.1)") @Parameter(
          names = {"-b", "--bind"}, absentValue = "") String bind,
      @Descriptor("remove the rule after this long: e.g. 90s, 30m, 12h, 7d") @Parameter(names = {"-e", "--expires"},
          absentValue = "") String expires,
      @Descriptor("add the rule on this node of the network instead") @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor("with --node: that node's admin credentials, user:password") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials)
      throws Exception {
    if (!node.isEmpty()) {
      List<String> words =
          new ArrayList<>(List.of("proxy:add", "--direction", direction, "--port", Integer.toString(port)));
      addIf(words, "--target", target);
      addIf(words, "--origin", origin);
      addIf(words, "--bind", bind);
      addIf(words, "--expires", expires);
      return onNode(node, words, credentials);
    }
    Rule.Direction d = Rule.Direction.parse(direction);
    String peerSpec;
    if (d == Rule.Direction.EGRESS) {
      if (target.isEmpty()) {
        throw new IllegalArgumentException("an egress rule needs --target <node>:<port>");
      }
      if (!origin.isEmpty()) {
        throw new IllegalArgumentException("--origin is for ingress rules; an egress rule takes --target");
      }
      peerSpec = target;
    } else {
      if (origin.isEmpty()) {
        throw new IllegalArgumentException("an ingress rule needs --origin <node>[:<port>]: the only node it accepts");
      }
      if (!target.isEmpty()) {
        throw new IllegalArgumentException("--target is for egress rules; an ingress rule takes --origin");
      }
      peerSpec = origin;
    }
    String peer = peerSpec;
    int peerPort = 0;
    int colon = peerSpec.lastIndexOf(':');
    if (colon > 0 && peerSpec.substring(colon + 1).matches("\\d{1,5}")) {
      peer = peerSpec.substring(0, colon);
      peerPort = Integer.parseInt(peerSpec.substring(colon + 1));
    } else if (d == Rule.Direction.EGRESS) {
      throw new IllegalArgumentException("--target must be <node>:<port>, got '" + peerSpec + "'");
    }
    // what the user typed is resolved once, here; the rule keeps the reference
    PeerRef ref = directory.resolve(peer);
    Rule r = rules.add(d, bind, port, ref, peerPort, expires.isEmpty() ? null : Instant.now().plus(duration(expires)));
    return "rule " + r.id() + ": " + line(r) + "  (" + rules.status(r.id()) + ")";
  }

  @Descriptor("Lists the proxy rules with what each is doing and whether each rule's other node (an egress rule's "
      + "target, an ingress rule's origin edge) answers its health check")
  public String list(
      @Descriptor("list the rules of this node of the network instead") @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor("with --node: that node's admin credentials, user:password") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("a JSON array: id, direction, rule, bind, port, peer, peerName, peerPort, expires, status, "
          + "peerLive, peerLiveSince, peerHealth") @Parameter(
              names = {"--json"}, presentValue = "true", absentValue = "false") boolean json)
      throws Exception {
    if (!node.isEmpty()) {
      return onNode(node, json ? List.of("proxy:list", "--json") : List.of("proxy:list"), credentials);
    }
    List<Rule> all = rules.list();
    if (json) {
      return json(all);
    }
    if (all.isEmpty()) {
      return "(no proxy rules)";
    }
    StringBuilder b =
        new StringBuilder(String.format("%-4s %-8s %-60s %-22s %s%n", "ID", "DIR", "RULE", "EXPIRES", "STATUS"));
    for (Rule r : all) {
      b.append(String.format("%-4s %-8s %-60s %-22s %s%n", r.id(), r.direction(), line(r),
          r.expires() == null ? "never" : r.expires().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
          rules.status(r.id()) + "; " + health(r)));
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Removes a proxy rule and closes its listener and connections")
  public String remove(
      @Descriptor("remove it on this node of the network instead") @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor("with --node: that node's admin credentials, user:password") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("the rule's id (proxy:list)") String id) throws Exception {
    if (!node.isEmpty()) {
      return onNode(node, List.of("proxy:remove", id), credentials);
    }
    if (!rules.remove(id)) {
      throw new IllegalArgumentException("no proxy rule " + id + " (proxy:list shows the rules)");
    }
    return "rule " + id + " removed";
  }

  private String json(List<Rule> all) {
    List<Object> out = new ArrayList<>();
    for (Rule r : all) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", r.id());
      m.put("direction", r.direction().toString());
      m.put("rule", line(r));
      m.put("bind", r.bind());
      m.put("port", r.port());
      m.put("peer", r.peer());
      m.put("peerName", peerName(r));
      m.put("peerPort", r.peerPort());
      m.put("expires", r.expires() == null ? null : r.expires().toString());
      m.put("status", rules.status(r.id()));
      ProxyRules.PeerHealth h = rules.peerHealth(r.id());
      m.put("peerLive", h == null || h.live());
      m.put("peerLiveSince", h == null || h.since() == null ? null : h.since().toString());
      m.put("peerHealth", h == null ? null : h.detail());
      out.add(m);
    }
    return Json.write(out);
  }

  /** Whether the rule's other node answers: {@code q live since <when>}, {@code q NOT LIVE since <when> (why)}. */
  private String health(Rule r) {
    ProxyRules.PeerHealth h = rules.peerHealth(r.id());
    if (h == null) {
      return "removed";
    }
    return peerName(r) + (h.live() ? " live" : " NOT LIVE")
        + (h.since() == null ? "" : " since " + h.since().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        + " (" + h.detail() + ")";
  }

  private String line(Rule r) {
    String peer = peerName(r);
    return r.direction() == Rule.Direction.EGRESS
        ? r.bind() + ":" + r.port() + " -> " + peer + ":" + r.peerPort()
        : "from " + peer + (r.peerPort() == 0 ? "" : ":" + r.peerPort()) + " -> " + r.bind() + ":" + r.port();
  }

  /** The peer's name now, or the one it had when the rule was added. */
  private String peerName(Rule r) {
    try {
      return directory.nameOf(r.peerRef()).orElse(r.peerName());
    } catch (IllegalArgumentException unparsable) {
      return r.peerName();
    }
  }

  private static void addIf(List<String> words, String flag, String value) {
    if (!value.isEmpty()) {
      words.add(flag);
      words.add(value);
    }
  }

  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "--expires takes a number and a unit (s, m, h, d), e.g. 30m; got '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private String onNode(String node, List<String> words, String credentials) throws Exception {
    RemoteAdmin r = remote;
    if (r == null) {
      throw new IllegalStateException("--node needs the federation bundle, which is not running");
    }
    return r.runAndWait(node, words, credentials, Duration.ofMinutes(2));
  }
}
