package io.warren.node.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

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

  @Test
  void listAsJsonHidesSecretsAndKeepsNumbers(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("inst"));
    Files.createDirectories(dir.resolve("node"));
    Files.writeString(dir.resolve("inst/io.warren.metrics.cfg"), "port = 9464\n");
    Files.writeString(dir.resolve("node/io.warren.metrics.cfg"), "bearer.token = Sekrit99\n");
    Hashtable<String, Object> live = new Hashtable<>();
    live.put("service.pid", "io.warren.metrics");
    live.put("port", 9464);
    live.put("bearer.token", "Sekrit99");
    Configuration config = proxy(Configuration.class, (method, args) -> method.equals("getProperties") ? live : null);
    ConfigurationAdmin admin = proxy(ConfigurationAdmin.class,
        (method, args) -> method.equals("listConfigurations") && String.valueOf(args[0]).contains("io.warren.metrics")
            ? new Configuration[] {config} : null);
    ConfigCommands c =
        new ConfigCommands(admin, dir.resolve("inst"), dir.resolve("node"), "io.warren.metrics:enabled");

    String json = c.list(true);
    assertEquals("[{\"pid\":\"io.warren.metrics\",\"key\":\"bearer.token\",\"value\":null,\"hidden\":true,"
        + "\"source\":\"node\"},{\"pid\":\"io.warren.metrics\",\"key\":\"enabled\",\"value\":null,"
        + "\"hidden\":false,\"source\":\"--set\"},{\"pid\":\"io.warren.metrics\",\"key\":\"port\",\"value\":9464,"
        + "\"hidden\":false,\"source\":\"installation\"}]", json);
    String table = c.list(false);
    assertTrue(table.contains("(hidden)") && !table.contains("Sekrit99"), table);
  }

  private interface Answer {
    Object answer(String method, Object[] args);
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, Answer answer) {
    return (T) java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (p, m, args) -> answer.answer(m.getName(), args));
  }
}
