package io.warren.launcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The seeds' client commands under {@code warren client}, with their flags, as aliases of console
 * commands: {@code warren client id --b64} runs {@code node:identity --b64}. Each parses its own
 * flags and answers a flag it does not know, a missing value or a stray argument with its usage
 * line, so no one sees a Gogo coercion message. Words that start with a scoped console command
 * ({@code scope:name}) and the {@code shell <node>} form pass through unchanged.
 */
final class SeedAliases {
  /** One alias: its usage, the flags taking a value, the flags without one, and the console words it becomes. */
  private record Alias(String usage, Set<String> valued, Set<String> bare,
      Function<Map<String, String>, List<String>> words) {}

  private static final Map<String, Alias> ALIASES = new LinkedHashMap<>();

  static {
    Alias identity = new Alias("identity|id [--b64]", Set.of(), Set.of("--b64"),
        f -> f.containsKey("--b64") ? List.of("node:identity", "--b64") : List.of("node:identity"));
    ALIASES.put("identity", identity);
    ALIASES.put("id", identity);
    ALIASES.put("register", new Alias("register --b64 <the other node's identity --b64>", Set.of("--b64"),
        Set.of(), f -> List.of("net:register", need(f, "--b64", "register"))));
    ALIASES.put("login", new Alias("login  (with warren client --user NAME [--password-stdin] login)", Set.of(),
        Set.of(), f -> List.of("node:whoami")));
    ALIASES.put("hash-password", new Alias("hash-password < file-with-the-password", Set.of(), Set.of(),
        f -> List.of("node:hash-password")));
    ALIASES.put("nodes", new Alias("nodes [--ls]  (--ls: a table; without: JSON)", Set.of(), Set.of("--ls"),
        f -> f.containsKey("--ls") ? List.of("net:nodes") : List.of("net:nodes", "--json")));
    ALIASES.put("proxy", new Alias("proxy --direction egress|ingress --port P (--target <node>:<port> | "
        + "--origin <node>[:<port>]) [--network NET] [--expires 2h]",
        Set.of("--direction", "--port", "--target", "--origin", "--network", "--expires"),
        Set.of(), f -> {
          List<String> w = new ArrayList<>(List.of("proxy:add", "--direction", need(f, "--direction", "proxy"),
              "--port", need(f, "--port", "proxy")));
          copy(f, w, "--target", "--origin", "--expires");
          return w;
        }));
    ALIASES.put("proxies", new Alias("proxies", Set.of(), Set.of(), f -> List.of("proxy:list")));
    ALIASES.put("get-proxies", new Alias("get-proxies --node <node> [--credentials user:password]",
        Set.of("--node", "--credentials"), Set.of(), f -> onNode(f, "get-proxies", "proxy:list")));
    ALIASES.put("delete-proxy", new Alias("delete-proxy --uuid <rule id>", Set.of("--uuid"), Set.of(),
        f -> List.of("proxy:remove", need(f, "--uuid", "delete-proxy"))));
    ALIASES.put("domain-proxy", new Alias("domain-proxy --hostname <name> --target <node>:<port>",
        Set.of("--hostname", "--target"), Set.of(), f -> List.of("tls:route", "add", need(f, "--hostname",
            "domain-proxy"), "--target", need(f, "--target", "domain-proxy"))));
    ALIASES.put("tls", new Alias("tls --hostname <name>[,<name>...] [--key-prefix <key name>]",
        Set.of("--hostname", "--key-prefix"), Set.of(), f -> {
          List<String> w = new ArrayList<>(List.of("tls:request", "--hostname", need(f, "--hostname", "tls")));
          copy(f, w, "--key-prefix");
          return w;
        }));
    ALIASES.put("renew-tls", new Alias("renew-tls --key-prefix <key name> | --hostname <first hostname>  "
        + "(certificates also renew by themselves)", Set.of("--hostname", "--key-prefix"), Set.of(), f -> {
          if (f.containsKey("--hostname") == f.containsKey("--key-prefix")) {
            throw new MissingFlag("renew-tls needs one of --key-prefix and --hostname");
          }
          return List.of("tls:renew", f.containsKey("--key-prefix") ? need(f, "--key-prefix", "renew-tls")
              : need(f, "--hostname", "renew-tls"));
        }));
    ALIASES.put("keys", new Alias("keys  (the TLS keys and certificates)", Set.of(), Set.of(),
        f -> List.of("tls:keys")));
    ALIASES.put("metrics", new Alias("metrics", Set.of(), Set.of(), f -> List.of("node:metrics")));
    ALIASES.put("get-metrics", new Alias("get-metrics --node <node> [--credentials user:password]",
        Set.of("--node", "--credentials"), Set.of(), f -> onNode(f, "get-metrics", "node:metrics")));
    ALIASES.put("all-metrics", new Alias("all-metrics", Set.of(), Set.of(), f -> List.of("node:metrics", "--all")));
    ALIASES.put("update-node", new Alias("update-node --node <node> [--credentials user:password] [--force]",
        Set.of("--node", "--credentials"), Set.of("--force"), f -> {
          List<String> w = onNode(f, "update-node", "deploy:update-node");
          if (f.containsKey("--force")) {
            w.add("--force");
          }
          return w;
        }));
  }

  private SeedAliases() {}

  /**
   * The console words for {@code words}: an alias translated, a console command or {@code shell}
   * unchanged.
   *
   * @throws UsageException for an unknown command, or an alias's flags that do not fit its usage
   */
  static List<String> translate(List<String> words) throws UsageException {
    if (words.isEmpty() || words.get(0).contains(":") || words.get(0).equals("shell")) {
      return words;
    }
    String name = words.get(0);
    Alias alias = ALIASES.get(name);
    if (alias == null) {
      throw new UsageException("unknown command '" + name + "': a console command is scope:name (e.g. node:info), "
          + "or one of " + String.join(", ", ALIASES.keySet()) + ", shell");
    }
    Map<String, String> flags = new HashMap<>();
    for (int i = 1; i < words.size(); i++) {
      String w = words.get(i);
      String value = null;
      int eq = w.indexOf('=');
      if (w.startsWith("--") && eq > 0) {
        value = w.substring(eq + 1);
        w = w.substring(0, eq);
      }
      if (alias.bare().contains(w) && value == null) {
        flags.put(w, "");
      } else if (alias.valued().contains(w)) {
        if (value == null) {
          if (i + 1 >= words.size() || words.get(i + 1).startsWith("--")) {
            throw usage(alias, w + " needs a value");
          }
          value = words.get(++i);
        }
        if (flags.put(w, value) != null) {
          throw usage(alias, w + " given twice");
        }
      } else {
        throw usage(alias, w.startsWith("-") ? "unknown flag " + w : "unexpected argument '" + w + "'");
      }
    }
    try {
      return alias.words().apply(flags);
    } catch (MissingFlag e) {
      throw usage(alias, e.getMessage());
    }
  }

  /** The aliases and their usage lines, for the README and help. */
  static Map<String, String> usages() {
    Map<String, String> out = new LinkedHashMap<>();
    ALIASES.forEach((name, a) -> out.put(name, a.usage()));
    return out;
  }

  private static UsageException usage(Alias alias, String why) {
    return new UsageException(why + " (usage: warren client " + alias.usage() + ")");
  }

  private static String need(Map<String, String> flags, String flag, String command) {
    String v = flags.get(flag);
    if (v == null || v.isEmpty()) {
      throw new MissingFlag(command + " needs " + flag);
    }
    return v;
  }

  /** {@code command --node N [--credentials U:P]}: without credentials, the grant that node gave this one. */
  private static List<String> onNode(Map<String, String> flags, String alias, String command) {
    List<String> w = new ArrayList<>(List.of(command, "--node", need(flags, "--node", alias)));
    copy(flags, w, "--credentials");
    return w;
  }

  private static void copy(Map<String, String> flags, List<String> words, String... names) {
    for (String n : names) {
      if (flags.containsKey(n)) {
        words.add(n);
        words.add(flags.get(n));
      }
    }
  }

  /** A required flag is missing (unchecked, to leave the alias table short). */
  private static final class MissingFlag extends RuntimeException {
    MissingFlag(String message) {
      super(message);
    }
  }
}
