package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the SSH console's configuration turns on, driven by OpenSSH's {@code sftp} and {@code ssh}:
 * SFTP confined to {@code sftp.directory}, and local port forwarding ({@code local.forwarding}).
 * Both off (the defaults) are tested in {@link SshConsoleTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshOptionsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private NodeProcess node;
  private int port;
  private Path key;
  private Path knownHosts;
  private Path root;

  @BeforeAll
  void start() throws Exception {
    Path home = NodeProcess.installation(dir);
    root = Files.createDirectories(dir.resolve("sftp-root"));
    NodeProcess.configure(home, "io.warren.ssh", "sftp.directory = " + root + "\nlocal.forwarding = true\n");
    port = NodeProcess.freePort();
    node = NodeProcess.start(home, dir.resolve("data"), "-rc", "admin:Ssh-Admin-Pw1", "--ssh-port",
        Integer.toString(port));
    node.awaitReady();
    Result info = node.awaitClient(TIMEOUT, r -> r.out().contains("listening    127.0.0.1:" + port), "ssh:info");
    assertTrue(info.out().contains("sftp         on (" + root.toRealPath() + ")")
        && info.out().contains("forwarding   local (ssh -L)") && info.out().contains("system-shell off"), info.out());
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

  /** OpenSSH's options for the test's key and known_hosts, nothing read from ~/.ssh. */
  private List<String> client(String program, String portFlag, String... options) {
    List<String> cmd = new ArrayList<>(List.of("env", "HOME=" + dir, program, "-F", "/dev/null", portFlag,
        Integer.toString(port), "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o",
        "GlobalKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", "-o",
        "BatchMode=yes", "-o", "PasswordAuthentication=no", "-i", key.toString()));
    cmd.addAll(List.of(options));
    cmd.add("admin@127.0.0.1");
    return cmd;
  }

  private Result sftp(String batch) throws Exception {
    // local paths are the test folder's
    Path file = Files.writeString(dir.resolve("batch-" + Math.abs(batch.hashCode())), "lcd " + dir + "\n" + batch);
    return NodeProcess.run(client("sftp", "-P", "-b", file.toString()), null);
  }

  @Test
  void sftpPutsAndGetsInsideItsDirectory() throws Exception {
    byte[] data = new byte[300_000];
    new Random(14).nextBytes(data);
    Files.write(dir.resolve("up.bin"), data);
    Result r = sftp("put up.bin\nmkdir sub\nput up.bin sub/again.bin\nget sub/again.bin down.bin\nls -l\n");
    assertEquals(0, r.exit(), r.toString());
    assertArrayEquals(data, Files.readAllBytes(root.resolve("up.bin")));
    assertArrayEquals(data, Files.readAllBytes(root.resolve("sub/again.bin")));
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("down.bin")));
  }

  @Test
  void sftpCannotLeaveItsDirectory() throws Exception {
    // a secret beside the directory, and links inside it pointing out: to the file and to its folder
    Files.writeString(dir.resolve("secret.txt"), "outside");
    Files.createSymbolicLink(root.resolve("secret-link"), dir.resolve("secret.txt"));
    Files.createSymbolicLink(root.resolve("out"), dir);
    Files.writeString(dir.resolve("mine.txt"), "mine");
    Path fetched = Files.createDirectories(dir.resolve("fetched"));
    String[] attempts = {"get ../secret.txt fetched/a", "get " + dir.resolve("secret.txt") + " fetched/b",
        "get /../secret.txt fetched/c", "get secret-link fetched/d", "get out/secret.txt fetched/e",
        "put mine.txt ../mine-outside.txt", "put mine.txt out/mine-outside.txt", "ls out/",
        "symlink " + dir + " made-link", "cd ..\nget secret.txt fetched/f"};
    for (String attempt : attempts) {
      Result r = sftp(attempt + "\n");
      assertFalse(r.out().contains("secret.txt") && attempt.startsWith("ls"), r.toString());
      System.out.printf("sftp %s -> %d %s%n", attempt.replace('\n', ';'), r.exit(), r.err().strip());
    }
    try (var listed = Files.list(fetched)) {
      assertEquals(List.of(), listed.toList(), "nothing from outside was fetched");
    }
    assertTrue(Files.exists(root.resolve("mine-outside.txt")), "../ from the top is the top, as on /");
    assertFalse(Files.exists(dir.resolve("mine-outside.txt")), "nothing was written outside");
    assertFalse(Files.exists(dir.getParent().resolve("mine-outside.txt")), "nothing was written outside");
    Path made = root.resolve("made-link");
    assertTrue(!Files.isSymbolicLink(made) || !Files.readSymbolicLink(made).equals(dir),
        "no link to the outside was made: " + made);
  }

  @Test
  void localForwardingReachesAServiceOfTheNode() throws Exception {
    try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread server = new Thread(() -> {
        try (Socket s = echo.accept()) {
          s.getInputStream().transferTo(s.getOutputStream());
        } catch (IOException e) {
          // the test ended
        }
      }, "echo");
      server.setDaemon(true);
      server.start();
      int local = NodeProcess.freePort();
      List<String> cmd = client("ssh", "-p", "-N", "-o", "ExitOnForwardFailure=yes", "-L",
          local + ":127.0.0.1:" + echo.getLocalPort());
      Process forward = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("forward.out").toFile()).start();
      try {
        Socket[] through = new Socket[1];
        Await.until(TIMEOUT, Duration.ofMillis(100), () -> {
          try {
            through[0] = new Socket(InetAddress.getLoopbackAddress(), local);
            return true;
          } catch (IOException e) {
            return !forward.isAlive();
          }
        }, "ssh -L to listen on " + local);
        try (Socket s = through[0]) {
          s.setSoTimeout((int) TIMEOUT.toMillis());
          OutputStream out = s.getOutputStream();
          out.write("through the node\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          s.shutdownOutput();
          InputStream in = s.getInputStream();
          assertEquals("through the node\n", new String(in.readAllBytes(), StandardCharsets.UTF_8),
              Files.readString(dir.resolve("forward.out")));
        }
      } finally {
        forward.destroy();
        forward.waitFor(10, TimeUnit.SECONDS);
      }
    }
    // listening for the client (-R) stays refused
    Result r = NodeProcess.run(client("ssh", "-p", "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:" + port),
        null);
    assertEquals(255, r.exit(), r.toString());
    assertTrue(r.err().contains("remote port forwarding failed"), r.toString());
  }
}
