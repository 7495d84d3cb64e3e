package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system shell over SSH ({@code system.shell = true}), driven by OpenSSH's client against a node
 * process. The node must run as root to switch to the configured user, {@code nobody} (uid 65534,
 * which exists everywhere, so nothing is created on the machine); as another user the test is
 * skipped. Where the shell is off is tested in {@link SshConsoleTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshSystemShellTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private NodeProcess node;
  private int port;
  private Path key;
  private Path knownHosts;

  @BeforeAll
  void start() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "the system shell test switches to the user nobody, which needs the node to run as root");
    Path home = NodeProcess.installation(dir);
    NodeProcess.configure(home, "io.warren.ssh",
        "system.shell = true\nsystem.shell.user = nobody\nsystem.shell.command = /bin/sh\n");
    port = NodeProcess.freePort();
    node = NodeProcess.start(home, dir.resolve("data"), "-rc", "admin:Ssh-Admin-Pw1", "--ssh-port",
        Integer.toString(port));
    node.awaitReady();
    Result info = node.awaitClient(TIMEOUT, r -> r.out().contains("listening    127.0.0.1:" + port), "ssh:info");
    assertTrue(info.out().contains("system-shell on (as nobody)"), info.out());
    String hostKey = node.client("ssh:fingerprint", "-k").out().strip();
    knownHosts = Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + hostKey + "\n");
    key = dir.resolve("id_ed25519");
    Result gen = NodeProcess.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()), null);
    assertEquals(0, gen.exit(), gen.toString());
    Result add = node.client("ssh:keys", "add", Files.readString(dir.resolve("id_ed25519.pub")).strip());
    assertEquals(0, add.exit(), add.toString());
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** ssh as the admin with the test's key, the host key checked strictly, nothing read from ~/.ssh. */
  private List<String> ssh(List<String> options, String... command) {
    List<String> cmd = new ArrayList<>(List.of("env", "HOME=" + dir, "ssh", "-F", "/dev/null", "-p",
        Integer.toString(port), "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o",
        "GlobalKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", "-o",
        "BatchMode=yes", "-o", "PasswordAuthentication=no", "-i", key.toString()));
    cmd.addAll(options);
    cmd.add("admin@127.0.0.1");
    cmd.addAll(Arrays.asList(command));
    return cmd;
  }

  @Test
  void aCommandRunsAsTheConfiguredUser() throws Exception {
    Result id = NodeProcess.run(ssh(List.of(), "system-shell", "id -un; exit 3"), null);
    assertEquals(3, id.exit(), id.toString());
    assertEquals("nobody", id.out().strip(), id.toString());

    // without the word, the same line is a console command
    Result console = NodeProcess.run(ssh(List.of(), "id"), null);
    assertEquals(1, console.exit(), console.toString());
    assertTrue(console.err().contains("unknown command"), console.toString());
  }

  @Test
  void anInteractiveSessionInATerminalRunsTwoCommands() throws Exception {
    // script gives ssh a terminal, ssh asks the node for a PTY, and the node's script gives it to sh
    Terminal t = new Terminal(ssh(List.of("-tt"), "system-shell"), TIMEOUT);
    Process p = t.process;
    try (t) {
      int at = t.awaitAfter("$ ", 0);
      t.type("echo one-$((1+1)) $(tty)\r"); // the echo of the typed line holds neither result
      at = t.awaitAfter("one-2 /dev/pts/", at);
      at = t.awaitAfter("$ ", at);
      t.type("echo two-$((2+1)) $(id -un)\r");
      at = t.awaitAfter("two-3 nobody", at);
      at = t.awaitAfter("$ ", at);
      // the window of ssh's terminal changes: ssh tells the node, which resizes the shell's PTY
      Result resize = NodeProcess.run(List.of("stty", "-F", terminalOf(p, "ssh"), "cols", "123", "rows", "45"), null);
      assertEquals(0, resize.exit(), resize.toString());
      int before = at;
      Await.until(TIMEOUT, Duration.ofMillis(500), () -> {
        t.type("stty size\r"); // again each poll: the window change may arrive after a first one
        return t.text().indexOf("45 123", before) >= 0;
      }, "the shell's terminal to be 45 rows by 123 columns");
      t.type("exit 0\r");
      assertTrue(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "exit ends the session: " + t.text());
    }
    assertEquals(0, p.exitValue(), t.text());
  }

  /** The terminal (/dev/pts/N) that {@code p}'s descendant {@code program} reads. */
  private static String terminalOf(Process p, String program) throws IOException {
    for (ProcessHandle h : p.descendants().toList()) {
      if (h.info().command().map(c -> c.endsWith("/" + program)).orElse(false)) {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "fd", "0")).toString();
      }
    }
    throw new AssertionError("no " + program + " under " + p.pid());
  }
}
