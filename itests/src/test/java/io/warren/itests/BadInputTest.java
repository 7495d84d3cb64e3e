package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad command lines and installations: one line that names the problem, non-zero, data untouched. */
class BadInputTest {
  @TempDir Path dir;

  private Result warren(Path home, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/warren").toString(), "--no-console"));
    cmd.addAll(Arrays.asList(args));
    return NodeProcess.run(cmd, null);
  }

  private static void assertOneLineError(Result r, String expected) {
    assertEquals(2, r.exit(), r.toString());
    String[] lines = r.err().strip().split("\n");
    assertEquals(1, lines.length, "one line:\n" + r.err());
    assertTrue(lines[0].startsWith("warren: ") && lines[0].contains(expected), r.toString());
  }

  @Test
  void unknownFlagAndMalformedCredentialsTouchNothing() throws Exception {
    Path home = NodeProcess.installation(dir);
    Path data = dir.resolve("data");
    assertOneLineError(warren(home, "--data-dir", data.toString(), "--bogus"), "unknown option --bogus");
    assertOneLineError(warren(home, "--data-dir", data.toString(), "-rc", "no-colon"), "user:password");
    assertOneLineError(warren(home, "--data-dir", data.toString(), "-rc", "admin:hashed_$2b$10$tooshort"), "bcrypt");
    assertFalse(Files.exists(data), "bad input must not create the data directory");
  }

  @Test
  void corruptOrUnreadableConfigurationStopsTheStart() throws Exception {
    Path home = NodeProcess.installation(dir);
    Path data = dir.resolve("data");
    Path cfg = home.resolve("etc/io.warren.store.cfg");
    Files.write(cfg, new byte[] {'p', 'o', 'o', 'l', '=', (byte) 0xC3, (byte) 0x28, 0, 1, 2});
    assertOneLineError(warren(home, "--data-dir", data.toString()), "io.warren.store.cfg");
    Files.delete(cfg);
    Files.createDirectory(cfg);
    assertOneLineError(warren(home, "--data-dir", data.toString()), "cannot be read");
    assertFalse(Files.exists(data));
  }

  @Test
  void anInvalidConfigurationValueStopsTheStartWithTheComponentsReason() throws Exception {
    Path home = NodeProcess.installation(dir);
    Files.writeString(home.resolve("etc/io.warren.store.cfg"), "pool.size = 0\n");
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"))) {
      Await.until(NodeProcess.START_TIMEOUT, () -> !node.alive(), "the node to give up");
      assertTrue(node.err().contains("pool.size must be 1-32"), node.err());
      assertFalse(node.out().contains(" ready in "), node.out());
    }
  }

  @Test
  void aDataDirectoryInUseIsRefusedAndLeftAlone() throws Exception {
    Path home = NodeProcess.installation(dir);
    Path data = dir.resolve("data");
    try (NodeProcess node = NodeProcess.start(home, data)) {
      node.awaitReady();
      String peerId = node.banner("peer ID");
      byte[] keys = Files.readAllBytes(data.resolve("identity/keys"));
      assertOneLineError(warren(home, "--data-dir", data.toString()), "in use by another Warren node");
      assertTrue(Arrays.equals(keys, Files.readAllBytes(data.resolve("identity/keys"))));
      NodeProcess.Result info = node.client("node:info");
      assertEquals(0, info.exit(), "the running node is unaffected: " + info);
      assertTrue(info.out().contains(peerId));
    }
  }
}
