package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLayersTest {

  private static Properties effective(Path run, String pid) throws Exception {
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(run.resolve(pid + ".cfg"))));
    return p;
  }

  @Test
  void theNodeOverridesTheInstallationKeyByKeyAndSetOverridesBoth(@TempDir Path dir) throws Exception {
    Path inst = Files.createDirectories(dir.resolve("etc"));
    Path node = Files.createDirectories(dir.resolve("data/etc"));
    Path run = dir.resolve("data/run/etc");
    Files.writeString(inst.resolve("io.warren.ssh.cfg"), "# comment\nport = 2222\nhost = 127.0.0.1\n");
    Files.writeString(inst.resolve("io.warren.store.cfg"), "cache = 8\n");
    Files.writeString(node.resolve("io.warren.ssh.cfg"), "port = 3333\nsftp.directory = /srv/a b\n");
    Map<String, Map<String, String>> sets = new LinkedHashMap<>();
    ConfigLayers.parseSet("io.warren.ssh:host=0.0.0.0", sets);
    ConfigLayers.parseSet("io.warren.metrics:enabled=true", sets);

    new ConfigLayers(inst, node, sets, run).sync();

    Properties ssh = effective(run, "io.warren.ssh");
    assertEquals("3333", ssh.getProperty("port"));
    assertEquals("0.0.0.0", ssh.getProperty("host"));
    assertEquals("/srv/a b", ssh.getProperty("sftp.directory"));
    assertEquals("8", effective(run, "io.warren.store").getProperty("cache"));
    assertEquals("true", effective(run, "io.warren.metrics").getProperty("enabled"));
  }

  @Test
  void valuesSurviveTheRoundTripAndAPidNoLayerHasIsRemoved(@TempDir Path dir) throws Exception {
    Path inst = Files.createDirectories(dir.resolve("etc"));
    Path node = Files.createDirectories(dir.resolve("node"));
    Path run = dir.resolve("run");
    String tricky = " lead\\ing = colon: hash# tab\t unicode é\nnext line";
    Properties src = new Properties();
    src.setProperty("k", tricky);
    try (var w = Files.newBufferedWriter(node.resolve("x.cfg"))) {
      src.store(w, null);
    }
    ConfigLayers layers = new ConfigLayers(inst, node, Map.of(), run);
    layers.sync();
    assertEquals(tricky, effective(run, "x").getProperty("k"));
    Files.delete(node.resolve("x.cfg"));
    layers.sync();
    assertFalse(Files.exists(run.resolve("x.cfg")));
  }

  @Test
  void theWatcherAppliesAnEditAndReportsABrokenFileOnce(@TempDir Path dir) throws Exception {
    Path inst = Files.createDirectories(dir.resolve("etc"));
    Path node = Files.createDirectories(dir.resolve("node"));
    Path run = dir.resolve("run");
    Files.writeString(inst.resolve("a.cfg"), "v = 1\n");
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    try (ConfigLayers layers = new ConfigLayers(inst, node, Map.of(), run)) {
      layers.sync();
      layers.watch(new PrintStream(err, true));
      Files.writeString(node.resolve("a.cfg"), "v = 2\n");
      io.warren.testing.Await.until(() -> "2".equals(effective(run, "a").getProperty("v")), "the edit merged");
      Files.write(node.resolve("a.cfg"), new byte[] {'v', '=', 0});
      io.warren.testing.Await.until(() -> err.toString().contains("NUL bytes"), "the broken file reported");
      assertEquals("2", effective(run, "a").getProperty("v"), "a broken file leaves the last good merge");
    }
  }

  @Test
  void aMalformedSetIsAClearError() {
    Map<String, Map<String, String>> sets = new LinkedHashMap<>();
    for (String bad : new String[] {"novalue", "pid:=x", ":k=v", "pid:k", "p id:k=v", "pid:k k=v"}) {
      UsageException e = assertThrows(UsageException.class, () -> ConfigLayers.parseSet(bad, sets), bad);
      assertTrue(e.getMessage().startsWith("--set"), e.getMessage());
    }
    assertTrue(sets.isEmpty());
  }
}
