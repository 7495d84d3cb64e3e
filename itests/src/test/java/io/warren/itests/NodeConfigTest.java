package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes started from one installation with different settings: the node's own
 * {@code <data-dir>/etc/} overrides the installation's {@code etc/}, {@code --set} overrides both
 * for one run, and {@code config:set}/{@code config:unset} change a running node's own layer live.
 * The setting used is the metrics endpoint, whose state {@code metrics:info} shows.
 */
class NodeConfigTest {

  @Test
  void eachNodeOfOneInstallationKeepsItsOwnSettings(@TempDir Path dir) throws Exception {
    Path home = NodeProcess.installation(dir);
    NodeProcess.configure(home, "io.warren.metrics", "enabled = false\nport = 0\n");
    Path dataA = dir.resolve("a");
    Path dataB = dir.resolve("b");
    Files.createDirectories(dataA.resolve("etc"));
    Files.writeString(dataA.resolve("etc/io.warren.metrics.cfg"), "# node a serves metrics\nenabled = true\n");

    try (NodeProcess a = NodeProcess.start(home, dataA); NodeProcess b = NodeProcess.start(home, dataB)) {
      a.awaitReady();
      b.awaitReady();
      assertTrue(url(a).startsWith("http://127.0.0.1:"), "node a's own etc/ turns metrics on:\n" + info(a));
      assertTrue(info(b).contains("(off"), "node b keeps the installation's setting:\n" + info(b));

      Result list = a.client("config:list");
      assertEquals(0, list.exit(), list.toString());
      assertTrue(list.out().lines().anyMatch(l -> l.contains("enabled") && l.contains("true") && l.endsWith("node")),
          list.toString());
      assertTrue(list.out().lines().anyMatch(l -> l.contains("port") && l.contains("0") && l.endsWith("installation")),
          list.toString());

      // live: b's own layer turns metrics on, then off again, without a restart
      Result set = b.client("config:set", "io.warren.metrics", "enabled", "true");
      assertEquals(0, set.exit(), set.toString());
      assertTrue(set.out().contains("applied") && set.out().contains(dataB.resolve("etc").toString()), set.toString());
      Await.until(() -> info(b).contains("http://127.0.0.1:"), "b's metrics endpoint after config:set");
      assertTrue(Files.readString(home.resolve("etc/io.warren.metrics.cfg")).contains("enabled = false"),
          "config:set never writes the installation's file");
      Result get = b.client("config:get", "io.warren.metrics", "enabled");
      assertEquals("true", get.out().strip(), get.toString());
      Result unset = b.client("config:unset", "io.warren.metrics", "enabled");
      assertEquals(0, unset.exit(), unset.toString());
      assertTrue(unset.out().contains("the installation's value applies: false"), unset.toString());
      Await.until(() -> info(b).contains("(off"), "b's metrics endpoint off again after config:unset");

      Result bad = b.client("config:set", "io.warren.metrics", "bad/key", "1");
      assertNotEquals(0, bad.exit(), bad.toString());
      assertTrue(bad.err().contains("'bad/key' is not a configuration key"), bad.toString());
      Result notSet = b.client("config:unset", "io.warren.metrics", "enabled");
      assertNotEquals(0, notSet.exit(), notSet.toString());
      assertTrue(notSet.err().contains("enabled is not set in this node's configuration"), notSet.toString());
    }

    // --set wins over the node's own file for this run only
    try (NodeProcess a = NodeProcess.start(home, dataA, "--set", "io.warren.metrics:enabled=false")) {
      a.awaitReady();
      assertTrue(info(a).contains("(off"), "--set overrides the node's etc/:\n" + info(a));
      Result list = a.client("config:list");
      assertTrue(list.out().lines().anyMatch(l -> l.contains("enabled") && l.endsWith("--set")), list.toString());
      Result set = a.client("config:set", "io.warren.metrics", "enabled", "true");
      assertTrue(set.out().contains("--set on the command line overrides it"), set.toString());
    }
  }

  @Test
  void aBadSetOrACorruptNodeFileStopsTheStartWithOneLine(@TempDir Path dir) throws Exception {
    Path home = NodeProcess.installation(dir);
    Result bad = NodeProcess.run(java.util.List.of(home.resolve("bin/warren").toString(), "--data-dir",
        dir.resolve("x").toString(), "--set", "io.warren.metrics=true"), null);
    assertEquals(2, bad.exit(), bad.toString());
    assertTrue(bad.err().contains("--set expects pid:key=value"), bad.toString());

    Path data = dir.resolve("y");
    Files.createDirectories(data.resolve("etc"));
    Files.write(data.resolve("etc/io.warren.metrics.cfg"), new byte[] {'a', '=', 0, 1});
    Result corrupt = NodeProcess.run(java.util.List.of(home.resolve("bin/warren").toString(), "--no-console",
        "--data-dir", data.toString()), null);
    assertNotEquals(0, corrupt.exit(), corrupt.toString());
    assertTrue(corrupt.err().contains(data.resolve("etc/io.warren.metrics.cfg").toString())
        && corrupt.err().contains("NUL bytes"), corrupt.toString());
  }

  private static String info(NodeProcess node) throws Exception {
    Result r = node.client("metrics:info");
    assertEquals(0, r.exit(), r.toString());
    return r.out();
  }

  private static String url(NodeProcess node) throws Exception {
    return info(node).lines().filter(l -> l.startsWith("url")).map(l -> l.substring(3).strip()).findFirst()
        .orElse("");
  }
}
