package io.warren.itests;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The Debian mosquitto clients (mosquitto-clients) driven by the MQTT tests: a subscriber running in the background, one-shot publishes. */
final class Mosquitto implements AutoCloseable {
  private final Process process;
  private final Path out;
  private final Path err;

  private Mosquitto(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts {@code mosquitto_sub -v} (topic and payload per line) on {@code port} with {@code args}. */
  static Mosquitto sub(Path dir, String name, int port, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", Integer.toString(port), "-v"));
    cmd.addAll(Arrays.asList(args));
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    return new Mosquitto(p, out, err);
  }

  /** Runs {@code mosquitto_pub} on {@code port} with {@code args} to its end. */
  static NodeProcess.Result pub(int port, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    cmd.addAll(Arrays.asList(args));
    return NodeProcess.run(cmd, null);
  }

  List<String> lines() throws IOException {
    String s = Files.readString(out, StandardCharsets.UTF_8);
    return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n"));
  }

  String err() throws IOException {
    return Files.readString(err, StandardCharsets.UTF_8);
  }

  /** Waits until the subscriber printed {@code line}. */
  void await(String line, Duration timeout) throws Exception {
    try {
      Await.until(timeout, () -> lines().contains(line), "'" + line + "' from mosquitto_sub");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; it printed " + lines() + ", stderr: " + err(), e);
    }
  }

  /** Waits until the process ends; its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("mosquitto_sub still running after " + timeout);
    }
    return process.exitValue();
  }

  /** SIGKILL: the client vanishes without DISCONNECT. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill9();
  }
}
