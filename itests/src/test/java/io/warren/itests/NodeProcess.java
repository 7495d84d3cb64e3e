package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A Warren node running as its own process from an installation folder, with its output in
 * files, and helpers to run {@code warren client} against it.
 */
final class NodeProcess implements AutoCloseable {
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** Output of a finished command. */
  record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  final Path home;
  final Path dataDir;
  private final Path stdout;
  private final Path stderr;
  /** Put before the node's and its clients' commands, e.g. {@code ip netns exec <ns>}. */
  private List<String> prefix = List.of();
  private Process process;

  private NodeProcess(Path home, Path dataDir, Path logs) {
    this.home = home;
    this.dataDir = dataDir;
    this.stdout = logs.resolve("stdout.txt");
    this.stderr = logs.resolve("stderr.txt");
  }

  /** The assembled distribution built by this reactor. */
  static Path distribution() {
    String d = System.getProperty("warren.dist");
    if (d == null || !Files.isExecutable(Path.of(d, "bin", "warren"))) {
      fail("no built distribution at " + d + " (build with mvn verify from the project root)");
    }
    return Path.of(d);
  }

  /**
   * A private installation: bin/ and etc/ copied, deploy/ empty, the rest linked to the built
   * distribution, so a test may drop bundles or break configuration without touching others.
   */
  static Path installation(Path dir) throws IOException {
    Path dist = distribution();
    Path home = Files.createDirectories(dir.resolve("warren"));
    for (String shared : List.of("lib", "system", "features")) {
      Files.createSymbolicLink(home.resolve(shared), dist.resolve(shared));
    }
    Files.createDirectories(home.resolve("bin"));
    Files.copy(dist.resolve("bin/warren"), home.resolve("bin/warren"));
    Files.createDirectories(home.resolve("etc"));
    try (var files = Files.list(dist.resolve("etc"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, home.resolve("etc").resolve(f.getFileName()));
      }
    }
    Files.createDirectories(home.resolve("deploy"));
    return home;
  }

  static NodeProcess start(Path home, Path dataDir, String... args) throws IOException {
    return startIn(List.of(), home, dataDir, args);
  }

  /** Starts the node, and later runs its clients, under {@code prefix} (e.g. in a network namespace). */
  static NodeProcess startIn(List<String> prefix, Path home, Path dataDir, String... args) throws IOException {
    NodeProcess n = new NodeProcess(home, dataDir, Files.createDirectories(dataDir.resolveSibling(dataDir.getFileName() + "-logs")));
    n.prefix = List.copyOf(prefix);
    n.launch(args);
    return n;
  }

  private void launch(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(home.resolve("bin/warren").toString(), "--no-console", "--data-dir", dataDir.toString()));
    cmd.addAll(Arrays.asList(args));
    Files.deleteIfExists(stdout);
    Files.deleteIfExists(stderr);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    process = pb.start();
  }

  /** Waits for the ready banner and returns it. */
  String awaitReady() throws Exception {
    await(START_TIMEOUT, () -> out().contains(" ready in ") || !process.isAlive(), "the ready line");
    if (!process.isAlive()) {
      fail("node exited with " + process.exitValue() + " before it was ready\n" + out() + "\n" + err());
    }
    // the banner is printed in one write; give the stream a moment to hold all of it
    await(Duration.ofSeconds(5), () -> out().contains("admin user"), "the whole banner");
    return out();
  }

  String out() {
    return read(stdout);
  }

  String err() {
    return read(stderr);
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** The value printed after {@code key} in the banner. */
  String banner(String key) {
    for (String line : out().split("\n")) {
      String t = line.strip();
      if (t.startsWith(key + " ")) {
        return t.substring(key.length()).strip().split("\\s+")[0];
      }
    }
    fail("no '" + key + "' in the banner:\n" + out());
    return null;
  }

  /** Every value printed after {@code key} in the banner, in order (e.g. each listening address). */
  java.util.List<String> bannerValues(String key) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String line : out().split("\n")) {
      String t = line.strip();
      if (t.startsWith(key + " ")) {
        out.add(t.substring(key.length()).strip().split("\\s+")[0]);
      }
    }
    return out;
  }

  Result client(String... args) throws Exception {
    return clientWithInput(null, args);
  }

  /** Runs {@code warren client} with {@code stdin} as its standard input. */
  Result clientWithInput(String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(home.resolve("bin/warren").toString(), "client", "--data-dir", dataDir.toString()));
    cmd.addAll(Arrays.asList(args));
    return run(cmd, stdin);
  }

  static Result run(List<String> cmd, String stdin) throws Exception {
    Process p = new ProcessBuilder(cmd).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    var out = new java.util.concurrent.CompletableFuture<String>();
    var err = new java.util.concurrent.CompletableFuture<String>();
    new Thread(() -> out.complete(slurp(p.getInputStream()))).start();
    new Thread(() -> err.complete(slurp(p.getErrorStream()))).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("command did not finish in 60 s: " + cmd);
    }
    return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
  }

  private static String slurp(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGKILL: no shutdown hook, no chance to flush anything. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "node did not die");
  }

  /** SIGTERM, as Ctrl-C or systemd would stop it; returns the exit status. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("node did not stop within 30 s of SIGTERM");
    }
    return process.exitValue();
  }

  boolean alive() {
    return process.isAlive();
  }

  /**
   * Polls {@code condition} every 50 ms until it holds; fails after {@code timeout}. A condition
   * that throws (a console call while a node restarts, say) has not held yet; the last such
   * exception is reported if time runs out.
   */
  static void await(Duration timeout, Callable<Boolean> condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    for (;;) {
      try {
        if (condition.call()) {
          return;
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        fail("timed out after " + timeout.toSeconds() + " s waiting for " + what
            + (last != null ? " (last attempt threw " + last + ")" : ""));
      }
      Thread.sleep(50);
    }
  }


  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
