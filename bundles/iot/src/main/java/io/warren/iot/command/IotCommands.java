package io.warren.iot.command;

import io.warren.api.Json;
import io.warren.iot.IotBroker;
import io.warren.iot.IotBroker.AclRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code iot:} console scope: the MQTT broker's users, topic rules, bridges and what it serves. */
@Component(service = IotCommands.class, property = {
    "osgi.command.scope=iot",
    "osgi.command.function=users",
    "osgi.command.function=acl",
    "osgi.command.function=bridge",
    "osgi.command.function=bridges",
    "osgi.command.function=unbridge",
    "osgi.command.function=topics",
    "osgi.command.function=clients",
    "osgi.command.function=stats"})
public final class IotCommands {
  private final IotBroker broker;

  @Activate
  public IotCommands(@Reference IotBroker broker) {
    this.broker = broker;
  }

  @Descriptor("Manages MQTT users: add <name> --password <pw> (or replace its password), list, remove <name>")
  public String users(
      @Descriptor("the password of the user added (8 characters at least)") @Parameter(names = {"-p", "--password"},
          absentValue = "") String password,
      @Descriptor("list: a JSON array of user names") @Parameter(names = {"--json"}, presentValue = "true",
          absentValue = "false") boolean json,
      @Descriptor("add, list or remove") String action,
      @Descriptor("add, remove: the user name") String... args) {
    return switch (action) {
      case "add" -> {
        String name = one(args, "iot:users add <name> --password <password>");
        if (password.isEmpty()) {
          throw new IllegalArgumentException("iot:users add needs --password <password>");
        }
        broker.setUser(name, password);
        yield "user " + name + " set";
      }
      case "list" -> {
        List<String> all = broker.users();
        if (json) {
          yield Json.write(all);
        }
        yield all.isEmpty() ? "no MQTT users (add one with iot:users add <name> --password <password>)"
            : String.join("\n", all);
      }
      case "remove" -> {
        String name = one(args, "iot:users remove <name>");
        if (!broker.removeUser(name)) {
          throw new IllegalArgumentException("no MQTT user " + name + " (iot:users list shows them)");
        }
        yield "user " + name + " removed";
      }
      default -> throw new IllegalArgumentException("expected add, list or remove, got '" + action + "'");
    };
  }

  @Descriptor("Manages topic rules: add <user|*|anonymous> <pattern with + #> <pub|sub|both>, list, remove <id>."
      + " A client may do only what a rule allows")
  public String acl(
      @Descriptor("list: a JSON array of id, user, access, pattern") @Parameter(names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json,
      @Descriptor("add, list or remove") String action,
      @Descriptor("add: user, pattern, access; remove: the rule's id") String... args) {
    return switch (action) {
      case "add" -> {
        if (args.length != 3) {
          throw new IllegalArgumentException("iot:acl add <user|*|anonymous> <topic pattern> <pub|sub|both>"
              + " (quote a pattern starting with #: the console reads # as a comment)");
        }
        AclRule r = broker.addAcl(args[0], args[1], AclRule.Access.parse(args[2]));
        yield "rule " + r.id() + ": " + r.user() + " " + r.access().name().toLowerCase() + " " + r.pattern();
      }
      case "list" -> {
        List<AclRule> all = broker.acls();
        if (json) {
          List<Object> out = new ArrayList<>();
          for (AclRule r : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("user", r.user());
            m.put("access", r.access().name().toLowerCase());
            m.put("pattern", r.pattern());
            out.add(m);
          }
          yield Json.write(out);
        }
        if (all.isEmpty()) {
          yield "no topic rules: clients may neither publish nor subscribe (iot:acl add <user> <pattern> <access>)";
        }
        StringBuilder b = new StringBuilder(String.format("%-4s %-20s %-6s %s%n", "ID", "USER", "ACCESS", "PATTERN"));
        for (AclRule r : all) {
          b.append(String.format("%-4d %-20s %-6s %s%n", r.id(), r.user(), r.access().name().toLowerCase(),
              r.pattern()));
        }
        yield b.toString().stripTrailing();
      }
      case "remove" -> {
        String id = one(args, "iot:acl remove <id>");
        long n;
        try {
          n = Long.parseLong(id);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("a rule id is a number (iot:acl list shows them), got '" + id + "'");
        }
        if (!broker.removeAcl(n)) {
          throw new IllegalArgumentException("no topic rule " + id + " (iot:acl list shows them)");
        }
        yield "rule " + id + " removed";
      }
      default -> throw new IllegalArgumentException("expected add, list or remove, got '" + action + "'");
    };
  }

  @Descriptor("Federates topics matching a filter with every member of a network (each member bridges it too)")
  public String bridge(
      @Descriptor("the network (this node's)") @Parameter(names = {"-n", "--network"}, absentValue = "") String network,
      @Descriptor("topic filter, e.g. sensors/#") String filter) {
    IotBroker.Bridge b = broker.bridge(filter, network);
    return "bridged " + b.filter() + " with network " + b.network();
  }

  @Descriptor("The bridged filters and the state of the link to each member")
  public String bridges(@Descriptor("a JSON array: filter, network, state") @Parameter(names = {"--json"},
      presentValue = "true", absentValue = "false") boolean json) {
    List<IotBroker.Bridge> all = broker.bridges();
    if (json) {
      List<Object> out = new ArrayList<>();
      for (IotBroker.Bridge x : all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filter", x.filter());
        m.put("network", x.network());
        m.put("state", x.state());
        out.add(m);
      }
      return Json.write(out);
    }
    if (all.isEmpty()) {
      return "no bridges (iot:bridge <filter> --network <net>)";
    }
    StringBuilder b = new StringBuilder();
    for (IotBroker.Bridge x : all) {
      b.append(x.filter()).append("  network ").append(x.network()).append("  ").append(x.state()).append('\n');
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Stops federating a filter")
  public String unbridge(@Descriptor("the bridged filter") String filter) {
    if (!broker.unbridge(filter)) {
      throw new IllegalArgumentException("no bridge for " + filter + " (iot:bridges shows them)");
    }
    return "unbridged " + filter;
  }

  @Descriptor("Topics seen since start: messages, bytes, whether a message is retained")
  public String topics(@Descriptor("a JSON array: topic, messages, bytes, retained") @Parameter(names = {"--json"},
      presentValue = "true", absentValue = "false") boolean json) {
    if (json) {
      List<Object> out = new ArrayList<>();
      for (IotBroker.TopicInfo t : broker.topics()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", t.topic());
        m.put("messages", t.messages());
        m.put("bytes", t.bytes());
        m.put("retained", t.retained());
        out.add(m);
      }
      return Json.write(out);
    }
    StringBuilder b =
        new StringBuilder(String.format("%-40s %10s %12s %s%n", "TOPIC", "MESSAGES", "BYTES", "RETAINED"));
    for (IotBroker.TopicInfo t : broker.topics()) {
      b.append(String.format("%-40s %10d %12d %s%n", t.topic(), t.messages(), t.bytes(), t.retained() ? "yes" : ""));
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Client sessions: connected, or kept for a client that comes back")
  public String clients(@Descriptor("a JSON array: client, user, address, mqtt, connected, subscriptions, inflight, "
      + "queued") @Parameter(names = {"--json"}, presentValue = "true", absentValue = "false") boolean json) {
    if (json) {
      List<Object> out = new ArrayList<>();
      for (IotBroker.ClientInfo c : broker.clients()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client", c.clientId());
        m.put("user", c.user());
        m.put("address", c.address());
        m.put("mqtt", c.protocol());
        m.put("connected", c.connected());
        m.put("subscriptions", c.subscriptions());
        m.put("inflight", c.inflight());
        m.put("queued", c.queued());
        out.add(m);
      }
      return Json.write(out);
    }
    StringBuilder b = new StringBuilder(String.format("%-30s %-16s %-22s %-6s %-9s %5s %8s %6s%n", "CLIENT", "USER",
        "ADDRESS", "MQTT", "STATE", "SUBS", "INFLIGHT", "QUEUED"));
    for (IotBroker.ClientInfo c : broker.clients()) {
      b.append(String.format("%-30s %-16s %-22s %-6s %-9s %5d %8d %6d%n", c.clientId(), c.user(), c.address(),
          c.protocol(), c.connected() ? "connected" : "away", c.subscriptions(), c.inflight(), c.queued()));
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("The listener, counters and refusals")
  public String stats(@Descriptor("one JSON object of the same names and values") @Parameter(names = {"--json"},
      presentValue = "true", absentValue = "false") boolean json) {
    if (json) {
      return Json.write(broker.stats());
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Object> e : broker.stats().entrySet()) {
      b.append(String.format("%-20s %s%n", e.getKey(), e.getValue()));
    }
    return b.toString().stripTrailing();
  }

  private static String one(String[] args, String usage) {
    if (args == null || args.length != 1) {
      throw new IllegalArgumentException("usage: " + usage);
    }
    return args[0];
  }
}
