package io.warren.node.command;

import io.warren.api.Json;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code config:} console scope: a node's own settings over the installation's. The launcher
 * merges three layers (the installation's {@code etc/}, the node's {@code <data-dir>/etc/}, and
 * {@code --set} for this run) into the files FileInstall applies; {@code config:set} writes the
 * node's layer and waits until ConfigAdmin holds the value, so a change is live when it returns.
 */
@Component(service = ConfigCommands.class, property = {
    "osgi.command.scope=config",
    "osgi.command.function=list",
    "osgi.command.function=get",
    "osgi.command.function=set",
    "osgi.command.function=unset"})
public final class ConfigCommands {
  static final Pattern PID = Pattern.compile("[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+)?");
  static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]+");
  /** Keys whose values are not printed: credentials and tokens. */
  private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|token|credential|private).*");
  private static final long APPLY_WAIT_MILLIS = 10_000;

  private final ConfigurationAdmin admin;
  private final Path installation;
  private final Path node;
  private final Set<String> setOnCommandLine;

  @Activate
  public ConfigCommands(BundleContext ctx, @Reference ConfigurationAdmin admin) {
    this(admin, path(ctx, "warren.etc.installation"), path(ctx, "warren.etc.node"),
        ctx.getProperty("warren.etc.set"));
  }

  ConfigCommands(ConfigurationAdmin admin, Path installation, Path node, String set) {
    this.admin = admin;
    this.installation = installation;
    this.node = node;
    this.setOnCommandLine = set == null || set.isBlank() ? Set.of() : Set.of(set.split(","));
  }

  private static Path path(BundleContext ctx, String property) {
    String v = ctx.getProperty(property);
    return v == null ? null : Path.of(v);
  }

  @Descriptor("Lists every configured value with where it comes from (installation, node or --set)")
  public String list(@Descriptor("a JSON array: pid, key, value (null for a default or a hidden secret), hidden, "
      + "source") @Parameter(names = {"--json"}, presentValue = "true", absentValue = "false") boolean json)
      throws IOException {
    Map<String, Map<String, String>> inst = read(installation);
    Map<String, Map<String, String>> own = read(node);
    Set<String> pids = new TreeSet<>(inst.keySet());
    pids.addAll(own.keySet());
    setOnCommandLine.forEach(s -> pids.add(s.substring(0, s.indexOf(':'))));
    StringBuilder b = new StringBuilder();
    List<Object> rows = new ArrayList<>();
    for (String pid : pids) {
      Map<String, Object> live = live(pid);
      Set<String> keys = new TreeSet<>(inst.getOrDefault(pid, Map.of()).keySet());
      keys.addAll(own.getOrDefault(pid, Map.of()).keySet());
      setOnCommandLine.stream().filter(s -> s.startsWith(pid + ":"))
          .forEach(s -> keys.add(s.substring(pid.length() + 1)));
      if (keys.isEmpty()) {
        continue;
      }
      b.append(pid).append('\n');
      for (String key : keys) {
        if (json) {
          boolean hidden = SECRET.matcher(key).matches() && live.get(key) != null;
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("pid", pid);
          m.put("key", key);
          m.put("value", hidden ? null : jsonValue(live.get(key)));
          m.put("hidden", hidden);
          String source = source(pid, key, inst, own);
          m.put("source", source.isEmpty() ? null : source);
          rows.add(m);
          continue;
        }
        b.append(String.format("  %-28s %-30s %s%n", key, shown(key, live.get(key)), source(pid, key, inst, own)));
      }
    }
    if (json) {
      return Json.write(rows);
    }
    return b.length() == 0 ? "no settings: every component runs on its defaults (etc/*.cfg shows them)" : b.toString();
  }

  @Descriptor("Shows a configuration's live values, or one value, with where each comes from")
  public String get(@Descriptor("PID, e.g. io.warren.ssh") String pid) throws IOException {
    checkPid(pid);
    Map<String, Object> live = live(pid);
    if (live.isEmpty()) {
      return pid + " has no configuration: its components run on their defaults";
    }
    Map<String, Map<String, String>> inst = read(installation);
    Map<String, Map<String, String>> own = read(node);
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Object> e : live.entrySet()) {
      b.append(String.format("%-28s %-30s %s%n", e.getKey(), shown(e.getKey(), e.getValue()),
          source(pid, e.getKey(), inst, own)));
    }
    return b.toString();
  }

  @Descriptor("Shows one live configuration value")
  public String get(@Descriptor("PID, e.g. io.warren.ssh") String pid, @Descriptor("key") String key) {
    checkPid(pid);
    checkKey(key);
    Object v = live(pid).get(key);
    return v == null ? pid + ": " + key + " is not set (the component's default applies)" : String.valueOf(v);
  }

  @Descriptor("Sets a value in this node's own configuration (<data-dir>/etc/PID.cfg) and waits until it applies")
  public String set(@Descriptor("PID, e.g. io.warren.ssh") String pid, @Descriptor("key") String key,
      @Descriptor("value") String value) throws IOException, InterruptedException {
    checkPid(pid);
    checkKey(key);
    if (node == null) {
      throw new IllegalStateException("this node was not started by the warren launcher: no node configuration");
    }
    Path file = node.resolve(pid + ".cfg");
    rewrite(file, key, value);
    String where = "in " + file;
    if (setOnCommandLine.contains(pid + ":" + key)) {
      return pid + ": " + key + " written " + where + ", but --set on the command line overrides it until the"
          + " node is started without it";
    }
    return pid + ": " + key + " = " + shown(key, value) + " (" + where + "; " + awaitApplied(pid, key, value) + ")";
  }

  @Descriptor("Removes a value from this node's own configuration; the installation's value or the default applies again")
  public String unset(@Descriptor("PID, e.g. io.warren.ssh") String pid, @Descriptor("key") String key)
      throws IOException, InterruptedException {
    checkPid(pid);
    checkKey(key);
    Path file = node == null ? null : node.resolve(pid + ".cfg");
    if (file == null || !read(node).getOrDefault(pid, Map.of()).containsKey(key)) {
      throw new IllegalArgumentException(pid + ": " + key + " is not set in this node's configuration"
          + (node == null ? "" : " (" + node.resolve(pid + ".cfg") + ")"));
    }
    rewrite(file, key, null);
    String fallback = read(installation).getOrDefault(pid, Map.of()).get(key);
    return pid + ": " + key + " removed from " + file + "; " + (fallback == null
        ? "the component's default applies" : "the installation's value applies: " + shown(key, fallback))
        + " (" + awaitApplied(pid, key, fallback) + ")";
  }

  private String awaitApplied(String pid, String key, String value) throws InterruptedException {
    long deadline = System.nanoTime() + APPLY_WAIT_MILLIS * 1_000_000;
    while (System.nanoTime() < deadline) {
      Object live = live(pid).get(key);
      if (value == null ? live == null : value.equals(String.valueOf(live))) {
        return "applied";
      }
      Thread.sleep(100);
    }
    return "not applied yet after " + APPLY_WAIT_MILLIS / 1000 + " s: see the node's log";
  }

  /** The values ConfigAdmin holds for {@code pid}, without the framework's own keys. */
  private Map<String, Object> live(String pid) {
    Map<String, Object> m = new TreeMap<>();
    try {
      Configuration[] found = admin.listConfigurations("(service.pid=" + pid + ")");
      if (found != null && found[0].getProperties() != null) {
        Dictionary<String, Object> d = found[0].getProperties();
        for (String k : java.util.Collections.list(d.keys())) {
          if (!k.equals("service.pid") && !k.startsWith("felix.fileinstall.") && !k.equals("service.bundleLocation")) {
            m.put(k, d.get(k));
          }
        }
      }
    } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
      throw new IllegalStateException("cannot read configuration " + pid + ": " + e.getMessage(), e);
    }
    return m;
  }

  private String source(String pid, String key, Map<String, Map<String, String>> inst,
      Map<String, Map<String, String>> own) {
    if (setOnCommandLine.contains(pid + ":" + key)) {
      return "--set";
    }
    if (own.getOrDefault(pid, Map.of()).containsKey(key)) {
      return "node";
    }
    return inst.getOrDefault(pid, Map.of()).containsKey(key) ? "installation" : "";
  }

  /** A live value as JSON shows it: numbers and booleans as such, arrays and collections as arrays of text. */
  private static Object jsonValue(Object value) {
    if (value == null || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Object[] a) {
      return java.util.Arrays.stream(a).map(String::valueOf).toList();
    }
    if (value instanceof java.util.Collection<?> c) {
      return c.stream().map(String::valueOf).toList();
    }
    return String.valueOf(value);
  }

  private static String shown(String key, Object value) {
    if (value == null) {
      return "(default)";
    }
    return SECRET.matcher(key).matches() ? "(hidden)" : String.valueOf(value);
  }

  private static Map<String, Map<String, String>> read(Path dir) throws IOException {
    Map<String, Map<String, String>> m = new TreeMap<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return m;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.cfg")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(f, StandardCharsets.UTF_8)));
        Map<String, String> kv = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> kv.put(k, p.getProperty(k)));
        m.put(name.substring(0, name.length() - ".cfg".length()), kv);
      }
    }
    return m;
  }

  /**
   * Replaces (or with a null value, removes) {@code key}'s entry in {@code file}, keeping every other
   * line as written (comments included); a new key is appended. Written to a temporary file and
   * moved into place, so the launcher's watcher never reads half a file.
   */
  static void rewrite(Path file, String key, String value) throws IOException {
    List<String> lines = Files.exists(file)
        ? new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8))
        : new ArrayList<>(List.of("# This node's own settings, over the installation's etc/" + file.getFileName()
            + " (config:set writes here)."));
    List<String> out = new ArrayList<>();
    boolean replaced = false;
    for (int i = 0; i < lines.size(); i++) {
      int first = i;
      StringBuilder logical = new StringBuilder(lines.get(i));
      while (continues(lines.get(i)) && i + 1 < lines.size()) {
        logical.append('\n').append(lines.get(++i));
      }
      if (key.equals(keyOf(logical.toString()))) {
        if (value != null && !replaced) {
          out.add(line(key, value));
        }
        replaced = true;
        continue;
      }
      out.addAll(lines.subList(first, i + 1));
    }
    if (!replaced && value != null) {
      out.add(line(key, value));
    }
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.write(tmp, out, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static boolean continues(String line) {
    String t = line.strip();
    if (t.startsWith("#") || t.startsWith("!")) {
      return false;
    }
    int n = 0;
    for (int i = t.length() - 1; i >= 0 && t.charAt(i) == '\\'; i--) {
      n++;
    }
    return n % 2 == 1;
  }

  /** The key of one logical properties line, or null for a comment or blank line. */
  private static String keyOf(String logical) throws IOException {
    String t = logical.strip();
    if (t.isEmpty() || t.startsWith("#") || t.startsWith("!")) {
      return null;
    }
    Properties p = new Properties();
    p.load(new StringReader(logical));
    return p.stringPropertyNames().stream().findFirst().orElse(null);
  }

  /** One {@code key=value} line as java.util.Properties writes it (FileInstall reads it alike). */
  static String line(String key, String value) {
    Properties one = new Properties();
    one.setProperty(key, value);
    StringWriter w = new StringWriter();
    try {
      one.store(w, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    String[] lines = w.toString().split("\\R");
    return lines[lines.length - 1];
  }

  private static void checkPid(String pid) {
    if (!PID.matcher(pid).matches()) {
      throw new IllegalArgumentException("'" + pid + "' is not a configuration PID (e.g. io.warren.ssh)");
    }
  }

  private static void checkKey(String key) {
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("'" + key + "' is not a configuration key (letters, digits, _, . and -)");
    }
  }
}
