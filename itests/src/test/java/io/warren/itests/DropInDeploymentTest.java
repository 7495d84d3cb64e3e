package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A third-party bundle dropped into deploy/ is installed, updated and removed without a restart. */
class DropInDeploymentTest {
  static final Duration WITHIN = Duration.ofSeconds(15);

  @TempDir Path dir;

  /** A copy of the plugin with another Bundle-Version, as a new release of it would be. */
  static void withVersion(Path from, Path to, String version) throws Exception {
    try (JarInputStream in = new JarInputStream(Files.newInputStream(from))) {
      Manifest m = new Manifest(in.getManifest());
      m.getMainAttributes().put(new Attributes.Name("Bundle-Version"), version);
      try (OutputStream os = Files.newOutputStream(to); JarOutputStream out = new JarOutputStream(os, m)) {
        JarEntry e;
        while ((e = in.getNextJarEntry()) != null) {
          out.putNextEntry(new JarEntry(e.getName()));
          in.transferTo(out);
          out.closeEntry();
        }
      }
    }
  }

  @Test
  void installUpdateUninstall() throws Exception {
    Path plugin = Path.of(System.getProperty("warren.diag.jar"));
    assertTrue(Files.isRegularFile(plugin), "plugin jar not built: " + plugin);
    Path home = NodeProcess.installation(dir);
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"))) {
      node.awaitReady();
      String peerId = node.banner("peer ID");
      Path deployed = home.resolve("deploy/warren-diag.jar");

      Path v1 = dir.resolve("v1.jar");
      withVersion(plugin, v1, "1.0.0");
      Files.copy(v1, deployed);
      Await.until(WITHIN, NodeProcess.CLIENT_POLL, () -> ok(node, "diag plugin 1.0.0 on " + peerId),
          "the plugin to be installed");

      Path v2 = dir.resolve("v2.jar");
      withVersion(plugin, v2, "1.0.1");
      Path tmp = home.resolve("deploy/.warren-diag.jar.part");
      Files.copy(v2, tmp);
      Files.move(tmp, deployed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Await.until(WITHIN, NodeProcess.CLIENT_POLL, () -> ok(node, "diag plugin 1.0.1 on "), "the plugin to be updated");

      Files.delete(deployed);
      Await.until(WITHIN, NodeProcess.CLIENT_POLL, () -> {
        try {
          NodeProcess.Result r = node.client("diag:hello");
          return r.exit() != 0 && r.err().contains("unknown command");
        } catch (Exception e) {
          return false;
        }
      }, "the plugin to be uninstalled");
      NodeProcess.Result info = node.client("node:info");
      assertTrue(!info.out().contains("io.warren.diag"), info.toString());
      assertTrue(node.alive());
    }
  }

  @Test
  void dropInsSurviveARestartAndGoWhenDeletedWhileDown() throws Exception {
    Path home = NodeProcess.installation(dir);
    Path data = dir.resolve("data");
    Path deployed = home.resolve("deploy/warren-diag.jar");
    withVersion(Path.of(System.getProperty("warren.diag.jar")), deployed, "1.0.0");
    try (NodeProcess node = NodeProcess.start(home, data)) {
      node.awaitReady();
      Await.until(WITHIN, NodeProcess.CLIENT_POLL, () -> ok(node, "diag plugin 1.0.0"), "the plugin to be installed");
      node.stop();
    }
    try (NodeProcess node = NodeProcess.start(home, data)) {
      node.awaitReady();
      Await.until(WITHIN, NodeProcess.CLIENT_POLL, () -> ok(node, "diag plugin 1.0.0"), "the plugin after a restart");
      node.stop();
    }
    Files.delete(deployed);
    try (NodeProcess node = NodeProcess.start(home, data)) {
      node.awaitReady();
      Await.until(WITHIN, NodeProcess.CLIENT_POLL, () -> {
        try {
          return !node.client("node:info").out().contains("io.warren.diag");
        } catch (Exception e) {
          return false;
        }
      }, "the plugin deleted while the node was down to be gone");
    }
  }

  private static boolean ok(NodeProcess node, String expected) {
    try {
      NodeProcess.Result r = node.client("diag:hello");
      return r.exit() == 0 && r.out().contains(expected);
    } catch (Exception e) {
      return false;
    }
  }

  static byte[] read(InputStream in) throws Exception {
    return in.readAllBytes();
  }
}
