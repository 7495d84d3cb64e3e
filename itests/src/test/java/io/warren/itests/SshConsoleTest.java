package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's console over SSH, driven by OpenSSH's own client ({@code ssh}, {@code ssh-keygen},
 * {@code script} for a terminal) against a node process started with {@code --ssh-port}. The
 * client checks the host key strictly against a known_hosts file written from
 * {@code ssh:fingerprint -k}, and keeps everything in the test's folder (HOME too), never in ~/.ssh.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshConsoleTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String PASSWORD = "Ssh-Admin-Pw1";

  @TempDir static Path dir;
  private Path home;
  private NodeProcess node;
  private int port;
  private String peerId;
  private Path key;
  private Path knownHosts;

  @BeforeAll
  void start() throws Exception {
    home = NodeProcess.installation(dir);
    // a short login timeout, so a stalled handshake is closed within the test
    NodeProcess.configure(home, "io.warren.ssh", "auth.timeout.seconds = 3\n");
    port = NodeProcess.freePort();
    node = startNode();
    peerId = node.banner("peer ID");
    assertEquals("127.0.0.1:" + port, node.banner("ssh"), "the ready banner says where SSH listens");
    String info = node.client("ssh:info").out();
    assertTrue(info.contains("system-shell off") && info.contains("sftp         off")
        && info.contains("forwarding   off"), "nothing but the console unless configured: " + info);
    String hostKey = node.client("ssh:fingerprint", "-k").out().strip();
    assertTrue(hostKey.startsWith("ssh-"), hostKey);
    knownHosts = Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + hostKey + "\n");
    key = dir.resolve("id_ed25519");
    Result gen = NodeProcess.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "itest@warren",
        "-f", key.toString()), null);
    assertEquals(0, gen.exit(), gen.toString());
    Result add = node.client("ssh:keys", "add", Files.readString(dir.resolve("id_ed25519.pub")).strip());
    assertEquals(0, add.exit(), add.toString());
    assertTrue(add.out().contains("itest@warren"), add.toString());
  }

  private NodeProcess startNode() throws Exception {
    NodeProcess n = NodeProcess.start(home, dir.resolve("data"), "-rc", "admin:" + PASSWORD, "--ssh-port",
        Integer.toString(port));
    n.awaitReady();
    n.awaitClient(TIMEOUT, r -> r.out().contains("listening    127.0.0.1:" + port), "ssh:info");
    return n;
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** ssh with everything in the test's folder, checking the host key strictly. */
  private List<String> ssh(String... options) {
    List<String> cmd = new ArrayList<>(List.of("env", "HOME=" + dir, "ssh", "-F", "/dev/null", "-p",
        Integer.toString(port), "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o",
        "GlobalKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"));
    cmd.addAll(Arrays.asList(options));
    return cmd;
  }

  /** ssh logging in with {@code identity}, and never asking for a password. */
  private List<String> withKey(Path identity, String... command) {
    List<String> cmd = ssh("-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "-i", identity.toString());
    cmd.add("admin@127.0.0.1");
    cmd.addAll(Arrays.asList(command));
    return cmd;
  }

  /** ssh logging in with a password that an SSH_ASKPASS script gives. */
  private List<String> withPassword(String password, String... command) throws IOException {
    Path askpass = dir.resolve("askpass-" + Math.abs(password.hashCode()) + ".sh");
    Files.writeString(askpass, "#!/bin/sh\necho '" + password + "'\n");
    Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
    List<String> cmd = new ArrayList<>(List.of("env", "SSH_ASKPASS=" + askpass, "SSH_ASKPASS_REQUIRE=force"));
    cmd.addAll(ssh("-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password", "-o",
        "NumberOfPasswordPrompts=1"));
    cmd.add("admin@127.0.0.1");
    cmd.addAll(Arrays.asList(command));
    return cmd;
  }

  @Test
  void theFingerprintIsTheOneOpenSshComputes() throws Exception {
    Result ours = node.client("ssh:fingerprint");
    Result openssh = NodeProcess.run(List.of("ssh-keygen", "-l", "-f", knownHosts.toString()), null);
    assertEquals(0, openssh.exit(), openssh.toString());
    String fingerprint = ours.out().strip();
    assertTrue(fingerprint.matches("SHA256:[A-Za-z0-9+/]{43}"), ours.toString());
    assertTrue(openssh.out().contains(" " + fingerprint + " "), ours + "\n" + openssh);
  }

  @Test
  void aCommandRunsNonInteractivelyAndExitsWithItsStatus() throws Exception {
    Result info = NodeProcess.run(withKey(key, "node:info"), null);
    assertEquals(0, info.exit(), info.toString());
    assertTrue(info.out().contains(peerId), info.toString());
    assertTrue(info.out().contains("io.warren.ssh"), "the ssh bundle is listed: " + info);

    Result bad = NodeProcess.run(withKey(key, "no:such"), null);
    assertEquals(1, bad.exit(), bad.toString());
    assertTrue(bad.err().contains("unknown command: no:such"), bad.toString());
    assertEquals("", bad.out(), bad.toString());
  }

  @Test
  void thePasswordLogsInAndAWrongOneIsRefused() throws Exception {
    Result ok = NodeProcess.run(withPassword(PASSWORD, "node:identity"), null);
    assertEquals(0, ok.exit(), ok.toString());
    assertTrue(ok.out().contains(peerId), ok.toString());

    Result wrong = NodeProcess.run(withPassword("not-the-password", "node:identity"), null);
    assertEquals(255, wrong.exit(), wrong.toString());
    assertTrue(wrong.err().contains("Permission denied"), wrong.toString());
    assertTrue(!wrong.out().contains(peerId), wrong.toString());
  }

  @Test
  void anUnknownKeyIsRefused() throws Exception {
    Path other = dir.resolve("id_other");
    Result gen = NodeProcess.run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", other.toString()), null);
    assertEquals(0, gen.exit(), gen.toString());
    Result refused = NodeProcess.run(withKey(other, "node:info"), null);
    assertEquals(255, refused.exit(), refused.toString());
    assertTrue(refused.err().contains("Permission denied"), refused.toString());
  }

  @Test
  void forwardingIsRefused() throws Exception {
    // -L: ssh listens here and asks the node for a direct-tcpip channel per connection; the node refuses it
    int local = NodeProcess.freePort();
    Path err = dir.resolve("forward.err");
    List<String> cmd = ssh("-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "-i", key.toString(), "-N",
        "-L", local + ":127.0.0.1:" + port);
    cmd.add("admin@127.0.0.1");
    Process forward = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(err.toFile()).start();
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
        assertEquals(-1, s.getInputStream().read(), "the forwarded connection is closed, nothing comes through");
      }
      Await.until(TIMEOUT, () -> Files.readString(err).contains("administratively prohibited"),
          "ssh to report the refused channel");
    } finally {
      forward.destroy();
      forward.waitFor(10, TimeUnit.SECONDS);
    }

    // -R: the node refuses to listen for the client
    List<String> remote = ssh("-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "-o",
        "ExitOnForwardFailure=yes", "-i", key.toString(), "-N", "-R", "0:127.0.0.1:" + port);
    remote.add("admin@127.0.0.1");
    Result r = NodeProcess.run(remote, null);
    assertEquals(255, r.exit(), r.toString());
    assertTrue(r.err().contains("remote port forwarding failed"), r.toString());

    // no SFTP
    List<String> subsystem = ssh("-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "-i", key.toString(), "-s");
    subsystem.addAll(List.of("admin@127.0.0.1", "sftp"));
    Result sftp = NodeProcess.run(subsystem, null);
    assertEquals(255, sftp.exit(), sftp.toString());
    assertTrue(sftp.err().contains("subsystem request failed"), sftp.toString());
  }

  @Test
  void theSystemShellIsRefusedWhereTheConfigurationDoesNotEnableIt() throws Exception {
    Result r = NodeProcess.run(withKey(key, "system-shell", "id", "-un"), null);
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().contains("the system shell is off on this node"), r.toString());
    assertEquals("", r.out(), r.toString());
  }

  @Test
  void anInteractiveSessionRunsCommandsAndCompletesNamesAndFlags() throws Exception {
    // script gives ssh a terminal, so ssh asks the node for a PTY and the console runs JLine
    List<String> words = withKey(key);
    words.add(words.indexOf("ssh") + 1, "-tt");
    Terminal t = new Terminal(words, TIMEOUT);
    try (t) {
      int at = t.awaitAfter("warren> ", 0);
      t.type("node:ident\t"); // Tab completes the command's name
      at = t.awaitAfter("node:identity ", at);
      t.type("\r");
      at = t.awaitAfter("\"peerId\":\"" + peerId + "\"", at);
      at = t.awaitAfter("warren> ", at);
      t.type("ssh:keys list\r");
      at = t.awaitAfter("itest@warren", at); // the echo of the typed line does not hold it: the key list does
      at = t.awaitAfter("warren> ", at);
      // and a flag, from the command's own @Parameter names: "--k" alone is no flag (Gogo would refuse it)
      t.type("ssh:fingerprint --k\t\r");
      at = t.awaitAfter("ssh-ed25519 AAAA", at);
      t.awaitAfter("warren> ", at);
      t.type("exit\r");
      assertTrue(t.process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "exit ends the session: " + t.text());
    }
    assertEquals(0, t.process.exitValue(), t.text());
  }

  @Test
  void garbageBeforeTheVersionLineIsClosed() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) TIMEOUT.toMillis());
      OutputStream out = s.getOutputStream();
      byte[] junk = new byte[64 * 1024];
      new java.util.Random(14).nextBytes(junk);
      for (int i = 0; i < junk.length; i++) {
        junk[i] = junk[i] == '\n' ? (byte) 'x' : junk[i]; // one endless line, never a version line
      }
      try {
        out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(junk);
        out.flush();
      } catch (IOException e) {
        // closed while we wrote: what we want
      }
      assertClosed(s);
    }
    assertServes();
  }

  @Test
  void aClientThatStallsMidHandshakeIsClosedByTheLoginTimeout() throws Exception {
    // the node's login timeout is 3 s here (see startNode); a client sends its version line and stops
    long start = System.nanoTime();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) TIMEOUT.toMillis());
      s.getOutputStream().write("SSH-2.0-Stalling_1.0\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      assertClosed(s);
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    assertTrue(seconds >= 2 && seconds < 20, "closed by the 3 s login timeout, after " + seconds + " s");
    assertServes();
  }

  @Test
  void aBurstOf500ConnectionsIsCutOffAndTheNodeKeepsServing() throws Exception {
    // the attacker connects from 127.0.0.2 (all of 127/8 is loopback on Linux), the admin from
    // 127.0.0.1: the per-address limit (8) keeps the attacker's slots from being the admin's
    InetAddress attacker = InetAddress.getByName("127.0.0.2");
    InetAddress node = InetAddress.getByName("127.0.0.1");
    List<Socket> open = new ArrayList<>();
    int connected = 0;
    long start = System.nanoTime();
    try {
      for (int i = 0; i < 500; i++) {
        Socket s = new Socket();
        open.add(s);
        try {
          s.bind(new java.net.InetSocketAddress(attacker, 0));
          s.connect(new java.net.InetSocketAddress(node, port), 5_000);
          s.getOutputStream().write("SSH-2.0-Burst_1.0\r\n".getBytes(StandardCharsets.US_ASCII));
          connected++;
        } catch (IOException e) {
          // refused or reset: the limit at work
        }
      }
      long burstMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // meanwhile the admin is served
      Result info = NodeProcess.run(withKey(key, "node:info"), null);
      assertEquals(0, info.exit(), info.toString());
      assertTrue(info.out().contains(peerId), info.toString());
      // and all but the per-address share of the burst is closed by the node
      int[] alive = {0};
      Await.until(TIMEOUT, Duration.ofMillis(200), () -> {
        alive[0] = 0;
        for (Socket s : open) {
          if (s.isConnected() && !closedByPeer(s)) {
            alive[0]++;
          }
        }
        return alive[0] <= 8;
      }, "the node to close all but 8 of the burst's connections");
      System.out.printf("ssh burst: %d of 500 connected in %d ms, %d left open by the node%n", connected,
          burstMillis, alive[0]);
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
    assertServes();
  }

  /** Whether the node closed {@code s}: a read ends (EOF or reset) rather than timing out. */
  private static boolean closedByPeer(Socket s) {
    try {
      s.setSoTimeout(1);
      InputStream in = s.getInputStream();
      byte[] b = new byte[4096];
      while (true) {
        if (in.read(b) < 0) {
          return true;
        }
      }
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** Reads what the node sends until it closes {@code s}; fails when it does not within the timeout. */
  private static void assertClosed(Socket s) {
    byte[] b = new byte[4096];
    try {
      InputStream in = s.getInputStream();
      while (in.read(b) >= 0) {
        // the node's version line, perhaps a disconnect message
      }
    } catch (java.net.SocketTimeoutException e) {
      throw new AssertionError("the node did not close the connection in " + TIMEOUT, e);
    } catch (IOException e) {
      // reset: closed
    }
  }

  /** The node still serves a console command over SSH. */
  private void assertServes() throws Exception {
    Result info = NodeProcess.run(withKey(key, "node:identity"), null);
    assertEquals(0, info.exit(), info.toString());
    assertTrue(info.out().contains(peerId), info.toString());
  }

  @Test
  void theHostKeyAndAuthorisedKeysSurviveARestart() throws Exception {
    String before = node.client("ssh:fingerprint").out().strip();
    int status = node.stop();
    assertTrue(status == 143 || status == 0, "SIGTERM stops the node (status " + status + ")");
    node = startNode();
    assertEquals(before, node.client("ssh:fingerprint").out().strip());
    // the known_hosts line written before the restart still verifies, and the key still logs in
    Result info = NodeProcess.run(withKey(key, "ssh:fingerprint"), null);
    assertEquals(0, info.exit(), info.toString());
    assertEquals(before, info.out().strip());
  }
}
