package io.warren.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A node's configuration in three layers, so that two nodes started from one installation can
 * differ: the installation's {@code etc/} (shared), the node's own {@code <data-dir>/etc/}
 * (overrides it key by key; {@code config:set} writes here), and {@code --set pid:key=value} on
 * the command line (this run only). The merged files are written to {@code <data-dir>/run/etc/},
 * which is the directory FileInstall applies to ConfigAdmin; a watcher merges again within a
 * second of a change to either directory, so edits still apply live.
 */
final class ConfigLayers implements AutoCloseable {
  static final Pattern PID = Pattern.compile("[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+)?");
  static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final long POLL_MILLIS = 500;

  private final Path installation;
  private final Path node;
  private final Map<String, Map<String, String>> sets;
  private final Path effective;
  private volatile Thread watcher;
  /** {@link #stamp()} of the files the last successful {@link #sync()} read. */
  private volatile String synced = "";

  ConfigLayers(Path installation, Path node, Map<String, Map<String, String>> sets, Path effective) {
    this.installation = installation;
    this.node = node;
    this.sets = sets;
    this.effective = effective;
  }

  /** {@code pid:key=value}, checked; the result keeps the order given (a later one wins). */
  static void parseSet(String v, Map<String, Map<String, String>> into) throws UsageException {
    int colon = v.indexOf(':');
    int eq = v.indexOf('=');
    if (colon <= 0 || eq < colon + 2) {
      throw new UsageException("--set expects pid:key=value (e.g. io.warren.ssh:port=2222), got '" + v + "'");
    }
    String pid = v.substring(0, colon);
    String key = v.substring(colon + 1, eq);
    if (!PID.matcher(pid).matches()) {
      throw new UsageException("--set: '" + pid + "' is not a configuration PID (letters, digits, _ and .)");
    }
    if (!KEY.matcher(key).matches()) {
      throw new UsageException("--set: '" + key + "' is not a configuration key (letters, digits, _, . and -)");
    }
    into.computeIfAbsent(pid, p -> new LinkedHashMap<>()).put(key, v.substring(eq + 1));
  }

  /** Checks the node's own files as the installation's are checked, before anything starts. */
  void check() throws UsageException {
    ConfigCheck.check(installation);
    ConfigCheck.check(node);
  }

  /** Writes every merged file that differs from what is there, and removes those no layer has. */
  synchronized void sync() throws IOException {
    String stamp = stamp();
    Files.createDirectories(effective);
    Map<String, Map<String, String>> merged = new TreeMap<>();
    read(installation, merged);
    read(node, merged);
    sets.forEach((pid, kv) -> merged.computeIfAbsent(pid, p -> new TreeMap<>()).putAll(kv));
    for (Map.Entry<String, Map<String, String>> e : merged.entrySet()) {
      Path target = effective.resolve(e.getKey() + ".cfg");
      String text = render(e.getKey(), e.getValue());
      if (Files.exists(target) && Files.readString(target, StandardCharsets.UTF_8).equals(text)) {
        continue;
      }
      Path tmp = effective.resolve("." + e.getKey() + ".cfg.tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(effective, "*.cfg")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (!merged.containsKey(name.substring(0, name.length() - ".cfg".length()))) {
          Files.delete(f);
        }
      }
    }
    synced = stamp;
  }

  private static void read(Path dir, Map<String, Map<String, String>> into) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.cfg")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(f, StandardCharsets.UTF_8)));
        Map<String, String> kv = into.computeIfAbsent(name.substring(0, name.length() - ".cfg".length()),
            k -> new TreeMap<>());
        p.stringPropertyNames().forEach(k -> kv.put(k, p.getProperty(k)));
      }
    }
  }

  static String render(String pid, Map<String, String> kv) {
    StringBuilder b = new StringBuilder("# ").append(pid)
        .append(": merged by warren from the installation's etc/, the node's <data-dir>/etc/ and --set.\n")
        .append("# Generated on every change; edit those, not this file.\n");
    kv.forEach((k, v) -> b.append(line(k, v)).append('\n'));
    return b.toString();
  }

  /** One {@code key=value} line as java.util.Properties writes it, which FileInstall's reader reads alike. */
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

  /** Merges again whenever a file in either directory changes; a failure is reported once per state. */
  void watch(PrintStream err) {
    Thread t = new Thread(() -> {
      String reported = null;
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        String now = stamp();
        if (now.equals(synced)) {
          continue;
        }
        try {
          ConfigCheck.check(installation);
          ConfigCheck.check(node);
          sync();
          reported = null;
        } catch (UsageException | IOException e) {
          if (!now.equals(reported)) {
            err.println("warren: configuration not applied: " + e.getMessage());
            reported = now;
          }
        }
      }
    }, "warren-config-layers");
    t.setDaemon(true);
    t.start();
    watcher = t;
  }

  /** Names, sizes and modification times of both directories' files: what a change alters. */
  private String stamp() {
    List<String> parts = new ArrayList<>();
    for (Path dir : List.of(installation, node)) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      TreeSet<String> entries = new TreeSet<>();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.cfg")) {
        for (Path f : files) {
          entries.add(f + ":" + Files.size(f) + ":" + Files.getLastModifiedTime(f).toMillis());
        }
      } catch (IOException e) {
        entries.add(dir + ":unreadable:" + e.getMessage());
      }
      parts.addAll(entries);
    }
    return String.join("\n", parts);
  }

  @Override
  public void close() {
    Thread t = watcher;
    if (t != null) {
      t.interrupt();
    }
  }
}
