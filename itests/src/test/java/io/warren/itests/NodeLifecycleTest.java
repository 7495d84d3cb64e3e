package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node as a user runs it: start with defaults, use the client, SIGKILL, restart. */
class NodeLifecycleTest {
  @TempDir Path dir;

  @Test
  void identityAndCredentialsSurviveSigkill() throws Exception {
    Path home = NodeProcess.installation(dir);
    Path data = dir.resolve("data");
    String peerId;
    String npub;
    String password;
    try (NodeProcess node = NodeProcess.start(home, data)) {
      String banner = node.awaitReady();
      peerId = node.banner("peer ID");
      npub = node.banner("npub");
      password = node.banner("admin password");
      assertTrue(peerId.startsWith("12D3KooW"), banner);
      assertTrue(npub.startsWith("npub1"), banner);
      assertTrue(password.length() >= 16, banner);
      assertTrue(banner.contains(data.toString()), "the banner says where the data lives:\n" + banner);
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
      assertEquals("rw-------", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(data.resolve("identity/keys"))));
      if (Files.isDirectory(Path.of("/proc/self/task"))) {
        // a start runs no other program: the console's login session (its pipe threads are named
        // session-N-thread-M) runs on JLine's dumb terminal, whose capabilities JLine read by running
        // infocmp at every start; the JDK starts its "process reaper" thread with a first child process
        Await.until(java.time.Duration.ofSeconds(30), () -> node.threadNames().stream()
            .anyMatch(n -> n.startsWith("session-")), "the console's login session to run");
        assertFalse(node.threadNames().contains("process reaper"), "no process started: " + node.threadNames());
        // services with nothing to do keep no thread of their own: the MQTT broker's store writer (the
        // broker is off), the TLS renewal check (between checks), the files' progress saver (no
        // transfer), a WatchService poller for each directory fileinstall scans (the kernel keeps 15
        // characters of a thread's name)
        List<String> names = node.threadNames();
        for (String prefix : List.of("iot-store", "warren-tls-ren", "files-save", "FileSystemWatch")) {
          assertFalse(names.stream().anyMatch(n -> n.startsWith(prefix)), prefix + "... on an idle node: " + names);
        }
      }

      Result info = node.client("node:info");
      assertEquals(0, info.exit(), info.toString());
      assertTrue(info.out().contains(peerId) && info.out().contains(npub), info.toString());
      assertTrue(info.out().contains("io.warren.node") && info.out().contains("ACTIVE"), info.toString());
      assertFalse(info.out().contains(" RESOLVED ") || info.out().contains(" INSTALLED "), info.toString());
      if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
        // the epoll fragment ships for Linux x86_64: there the node's loops must run on it, not fall back to NIO
        assertTrue(info.out().contains("event-loops         epoll"), info.toString());
      }

      Result id = node.client("node:identity", "-b64");
      assertEquals(0, id.exit(), id.toString());
      String json = new String(Base64.getDecoder().decode(id.out().strip()), StandardCharsets.UTF_8);
      assertTrue(json.contains("\"addresses\":[") && json.contains("\"name\":"), json);

      // the seeds' spelling, and arguments that fit no form of a command: its usage, never Gogo's coercion text
      Result seeds = node.client("identity", "--b64");
      assertEquals(0, seeds.exit(), seeds.toString());
      assertEquals(id.out().strip(), seeds.out().strip());
      Result bad = node.client("node:identity", "--bogus");
      assertNotEquals(0, bad.exit());
      assertTrue(bad.err().contains("node:identity: these arguments do not fit: --bogus")
          && bad.err().contains("usage: node:identity [options]") && bad.err().contains("-b64, --b64, --base64"),
          bad.toString());
      Result extra = node.client("node:info", "extra");
      assertTrue(extra.err().contains("usage: node:info") && !extra.err().contains("coerce"), extra.toString());

      Result unknown = node.client("node:nope");
      assertNotEquals(0, unknown.exit());
      assertTrue(unknown.err().contains("unknown command: node:nope"), unknown.toString());
      assertEquals("", unknown.out());

      node.kill9();
    }
    try (NodeProcess node = NodeProcess.start(home, data)) {
      String banner = node.awaitReady();
      assertEquals(peerId, node.banner("peer ID"));
      assertEquals(npub, node.banner("npub"));
      assertFalse(banner.contains("admin password"), "no new password after a restart:\n" + banner);
      Result withPassword = node.clientWithInput(password + "\n", "--user", "admin", "--password-stdin", "node:info");
      assertEquals(0, withPassword.exit(), withPassword.toString());
      Result wrong = node.clientWithInput("not-it\n", "--user", "admin", "--password-stdin", "node:info");
      assertEquals(3, wrong.exit(), wrong.toString());
      assertTrue(wrong.err().contains("authentication failed"), wrong.toString());
      int status = node.stop();
      assertTrue(status == 143 || status == 0, "SIGTERM stops the node (status " + status + ")");
      assertTrue(node.err().contains("warren: stopped"), "the framework was stopped cleanly:\n" + node.err());
      assertFalse(Files.exists(data.resolve("run/console")), "the console endpoint is removed on stop");
    }
  }

  @Test
  void credentialsAndBootstrapFromTheCommandLineAreKept() throws Exception {
    Path home = NodeProcess.installation(dir);
    Path data = dir.resolve("data");
    String bootstrap = java.util.Base64.getEncoder().encodeToString(
        "{\"name\":\"p\",\"addresses\":[\"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWx\"]}".getBytes(StandardCharsets.UTF_8));
    try (NodeProcess node = NodeProcess.start(home, data, "-rc", "ops:Str0ng pass", "-dnc", "mynet:NetPass",
        "-bs", bootstrap)) {
      String banner = node.awaitReady();
      assertFalse(banner.contains("admin password"), banner);
      assertEquals(0, node.clientWithInput("Str0ng pass\n", "--user", "ops", "--password-stdin", "node:info").exit());
      node.kill9();
    }
    try (NodeProcess node = NodeProcess.start(home, data)) {
      node.awaitReady();
      Result down = node.client("node:shutdown");
      assertEquals(0, down.exit(), down.toString());
      Await.until(java.time.Duration.ofSeconds(30), () -> !node.alive(), "node:shutdown to stop the node");
    }
    try (NodeProcess node = NodeProcess.start(home, data)) {
      node.awaitReady();
      Result info = node.clientWithInput("Str0ng pass\n", "--user", "ops", "--password-stdin", "node:info");
      assertEquals(0, info.exit(), info.toString());
      assertTrue(info.out().contains("mynet") && info.out().contains("1 node(s)"),
          "network and bootstrap are kept across restarts:\n" + info.out());
      assertFalse(Files.readString(data.resolve("db/warren.mv.db"), StandardCharsets.ISO_8859_1).contains("NetPass"));
    }
  }

  /**
   * The native libraries load from the installation's lib/native, not from copies made at start:
   * with a temporary directory mounted noexec (as hardened machines have it), which the copies of
   * Netty's and of the Noise cipher's libraries would need, the node still runs epoll, BoringSSL,
   * QUIC, OpenSSL's ChaCha20 and libsecp256k1, and copied nothing anywhere.
   */
  @Test
  void nativeLibrariesLoadFromTheInstallationWithANoexecTemporaryDirectory() throws Exception {
    assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"),
        "the distribution ships its native libraries for Linux x86_64 only");
    Result uid = NodeProcess.run(List.of("id", "-u"), null);
    assumeTrue(uid.exit() == 0 && uid.out().strip().equals("0"),
        "mounting a noexec temporary directory needs root (uid " + uid.out().strip() + ")");
    Path home = NodeProcess.installation(dir);
    Path tmp = Files.createDirectories(dir.resolve("noexec-tmp"));
    Result mount =
        NodeProcess.run(List.of("mount", "-t", "tmpfs", "-o", "noexec,size=64m", "tmpfs", tmp.toString()), null);
    assertEquals(0, mount.exit(), "mount a noexec tmpfs: " + mount);
    try (NodeProcess node = NodeProcess.startWithEnv(home, dir.resolve("data"),
        Map.of("WARREN_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp), "--set", "io.warren.libp2p:quic.enabled=true")) {
      node.awaitReady();
      Result info = node.client("node:info");
      assertEquals(0, info.exit(), info.toString());
      assertTrue(info.out().contains("event-loops         epoll"), info.toString());
      assertTrue(info.out().contains("/quic-v1/p2p/"), "a QUIC listening address:\n" + info);
      String log = node.err();
      for (String line : List.of("TLS 1.3 by BoringSSL through netty-tcnative (native)",
          "Noise transport encryption by OpenSSL",
          "BIP-340 verification on native libsecp256k1 (found on java.library.path)")) {
        assertTrue(log.contains(line), "the log says: " + line + "\n" + log);
      }
      assertFalse(log.contains("Java ChaCha20-Poly1305"), log);
      try (Stream<Path> files = Stream.concat(Files.walk(tmp), Files.walk(node.dataDir()))) {
        List<String> copies = files.map(Path::toString).filter(f -> f.endsWith(".so")).toList();
        assertEquals(List.of(), copies, "no native library is copied at start");
      }
    } finally {
      Result umount = NodeProcess.run(List.of("umount", tmp.toString()), null);
      assertEquals(0, umount.exit(), "umount " + tmp + ": " + umount);
    }
  }

  @Test
  void clientWithoutANodeSaysSo() throws Exception {
    Path home = NodeProcess.installation(dir);
    Result r = NodeProcess.run(java.util.List.of(home.resolve("bin/warren").toString(), "client", "--data-dir",
        dir.resolve("none").toString(), "node:info"), null);
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().contains("no Warren node is running"), r.toString());
  }
}
