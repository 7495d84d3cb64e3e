package io.warren.node.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandsTest {

  private static Properties read(Path f) throws Exception {
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(f)));
    return p;
  }

  @Test
  void setReplacesOnlyItsKeyAndKeepsCommentsAndOtherLines(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("io.warren.ssh.cfg");
    Files.writeString(f, "# my notes\nport = 2222\nbanner = a long \\\n  continued value\nport = 9\n");
    ConfigCommands.rewrite(f, "port", "3333");
    String text = Files.readString(f);
    assertTrue(text.startsWith("# my notes\n"), text);
    assertEquals("3333", read(f).getProperty("port"));
    assertEquals("a long continued value", read(f).getProperty("banner"));
    assertEquals(1, text.lines().filter(l -> l.startsWith("port")).count(), "a repeated key is written once:\n" + text);

    ConfigCommands.rewrite(f, "banner", null);
    assertFalse(read(f).containsKey("banner"), Files.readString(f));
    assertFalse(Files.readString(f).contains("continued value"), "the continuation line goes with its key");

    ConfigCommands.rewrite(f, "sftp.directory", "/srv/with space=and:colon");
    assertEquals("/srv/with space=and:colon", read(f).getProperty("sftp.directory"));
  }

  @Test
  void aNewFileIsCreatedWithItsDirectory(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("etc/io.warren.metrics.cfg");
    ConfigCommands.rewrite(f, "enabled", "true");
    assertEquals("true", read(f).getProperty("enabled"));
    assertTrue(Files.readString(f).startsWith("# This node's own settings"));
  }
}
