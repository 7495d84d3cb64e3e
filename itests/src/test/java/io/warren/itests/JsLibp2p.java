package io.warren.itests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code itests/libp2p-js/peer.mjs} (js-libp2p with the versions pinned in its
 * package-lock.json, installed by this module's build with {@code npm ci}).
 */
final class JsLibp2p implements AutoCloseable {
  private final Process process;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final StringBuilder err = new StringBuilder();

  private JsLibp2p(Process process) {
    this.process = process;
    Thread t = new Thread(() -> {
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "js-libp2p-stdout");
    t.setDaemon(true);
    t.start();
    Thread e = new Thread(() -> {
      try {
        String s = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        synchronized (err) {
          err.append(s);
        }
      } catch (IOException x) {
        // the process ended
      }
    }, "js-libp2p-stderr");
    e.setDaemon(true);
    e.start();
  }

  static Path dir() {
    String d = System.getProperty("warren.libp2p.js");
    if (d == null || !Files.isDirectory(Path.of(d, "node_modules", "libp2p"))) {
      fail("js-libp2p is not installed at " + d + " (the itests build runs npm ci there)");
    }
    return Path.of(d);
  }

  static JsLibp2p start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("node", "peer.mjs"));
    cmd.addAll(Arrays.asList(args));
    return new JsLibp2p(new ProcessBuilder(cmd).directory(dir().toFile()).start());
  }

  /** Runs a one-shot mode (dial, bench) and returns its JSON line; fails with its stderr if it fails. */
  static String run(Duration timeout, String... args) throws Exception {
    try (JsLibp2p js = start(args)) {
      if (!js.process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        fail("node peer.mjs " + String.join(" ", args) + " did not finish in " + timeout.toSeconds() + " s\n"
            + js.err());
      }
      js.process.getInputStream().close();
      String line = js.lines.poll(5, TimeUnit.SECONDS);
      if (js.process.exitValue() != 0 || line == null) {
        fail("node peer.mjs " + String.join(" ", args) + " failed (exit " + js.process.exitValue() + ")\n" + js.err());
      }
      return line;
    }
  }

  /** The next JSON line, waiting up to {@code timeout}. */
  String nextLine(Duration timeout) throws InterruptedException {
    String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      fail("no output from js-libp2p within " + timeout.toSeconds() + " s\n" + err());
    }
    return line;
  }

  String err() {
    synchronized (err) {
      return err.toString();
    }
  }

  /** The first match of {@code regex}'s group 1 in {@code json}. */
  static String field(String json, String regex) {
    Matcher m = Pattern.compile(regex).matcher(json);
    if (!m.find()) {
      fail("no " + regex + " in " + json);
    }
    return m.group(1);
  }

  @Override
  public void close() throws Exception {
    process.getOutputStream().close(); // listen mode stops when stdin closes
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
