package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/** Helpers for system tests with several nodes of one network. */
final class Nodes {
  private Nodes() {}

  /** A private installation under {@code dir} whose node calls itself {@code name}. */
  static Path installation(Path dir, String name) throws IOException {
    Path home = NodeProcess.installation(dir);
    Files.writeString(home.resolve("etc/io.warren.identity.cfg"), "name = " + name + "\n");
    return home;
  }

  /** Starts a node of network {@code net} with admin {@code admin:adminPassword}, joining through {@code bootstrap}. */
  static NodeProcess start(Path home, Path data, String network, String adminCredentials, String bootstrap)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("-dnc", network, "-rc", adminCredentials));
    if (bootstrap != null) {
      args.add("-bs");
      args.add(bootstrap);
    }
    NodeProcess n = NodeProcess.start(home, data, args.toArray(String[]::new));
    n.awaitReady();
    return n;
  }

  static String identity(NodeProcess n) throws Exception {
    NodeProcess.Result r = n.client("node:identity", "-b64");
    assertEquals(0, r.exit(), r.toString());
    return r.out().strip();
  }

  /** Runs a command until its output satisfies {@code ok}, or fails with the last output. */
  static NodeProcess.Result awaitOutput(NodeProcess n, Duration timeout, Predicate<NodeProcess.Result> ok,
      String... command) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    NodeProcess.Result last = null;
    while (System.nanoTime() < deadline) {
      last = n.client(command);
      if (ok.test(last)) {
        return last;
      }
      Thread.sleep(300);
    }
    fail("after " + timeout.toSeconds() + " s, " + Arrays.toString(command) + " still gives:\n" + last
        + "\n--- node stdout tail:\n" + tail(n.out()));
    return last;
  }

  static String tail(String s) {
    return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
