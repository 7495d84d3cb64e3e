package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started from a checkout's build output without --data-dir keeps its state in the XDG data
 * directory and says so; wiping and rebuilding the build output (what mvn clean does) keeps its
 * identity.
 */
class BuildTreeDataDirTest {
  @TempDir Path dir;

  /** {@code <checkout>/distribution/target/warren}, as the build lays it out. */
  private Path build() throws Exception {
    Path distribution = Files.createDirectories(dir.resolve("checkout/distribution"));
    Files.writeString(distribution.resolve("pom.xml"), "<project/>\n");
    return NodeProcess.installation(distribution.resolve("target"), "p");
  }

  @Test
  void aNodeRunFromTheBuildTreeKeepsItsIdentityAcrossAClean() throws Exception {
    Path xdg = dir.resolve("xdg");
    Path state = xdg.resolve("warren");
    Map<String, String> env = Map.of("XDG_DATA_HOME", xdg.toString());
    String peerId;
    try (NodeProcess p = NodeProcess.startWithDefaultDataDir(build(), state, env, "-rc", "admin:PAdmin")) {
      p.awaitReady();
      peerId = p.banner("peer ID");
      assertEquals(state.toString(), p.banner("data"));
      assertTrue(p.err().contains("running from a build tree; the node's state is in " + state), p.err());
      Result info = p.client("node:info");
      assertTrue(info.exit() == 0 && info.out().contains(peerId), info.toString());
      p.stop();
    }
    // mvn clean, then a rebuild
    try (Stream<Path> files = Files.walk(dir.resolve("checkout/distribution/target"))) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    try (NodeProcess again = NodeProcess.startWithDefaultDataDir(build(), state, env)) {
      again.awaitReady();
      assertEquals(peerId, again.banner("peer ID"), "the same identity after the build tree was wiped");
    }
  }
}
