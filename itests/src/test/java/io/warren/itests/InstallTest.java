package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --install} / {@code --uninstall} under a scratch root (WARREN_INSTALL_ROOT), so the test
 * never touches the machine's /etc or /opt. Without root, both must refuse.
 */
class InstallTest {
  @TempDir Path dir;

  private Result warren(Path home, Path root, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder();
    List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("bin/warren").toString()));
    cmd.addAll(List.of(args));
    pb.command(cmd).environment().put("WARREN_INSTALL_ROOT", root.toString());
    Process p = pb.redirectErrorStream(false).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    return new Result(p.waitFor(), out, err);
  }

  @Test
  void installWritesAUnitAndKeepsThePasswordOutOfIt() throws Exception {
    Path home = NodeProcess.installation(dir);
    Path root = Files.createDirectories(dir.resolve("root"));
    Result r = warren(home, root, "--install", "-rc", "admin:S3cret", "-dnc", "mynet:NetPass");
    if (!"root".equals(System.getProperty("user.name"))) {
      assertEquals(2, r.exit(), r.toString());
      assertTrue(r.err().contains("must run as root"), r.toString());
      return;
    }
    assertEquals(0, r.exit(), r.toString());
    String unit = Files.readString(root.resolve("etc/systemd/system/warren.service"));
    assertTrue(unit.contains("ExecStart=/opt/warren/bin/warren --no-console --data-dir /var/lib/warren\n"), unit);
    assertTrue(unit.contains("User=warren") && unit.contains("StateDirectory=warren"), "a dedicated user:\n" + unit);
    assertFalse(unit.contains("S3cret"), "the unit file is world-readable; no password in it");
    assertFalse(unit.contains("NetPass"), "nor the network password (it would be in ps too)");
    assertFalse(r.out().contains("S3cret") || r.out().contains("NetPass"), r.toString());
    Path env = root.resolve("etc/warren/warren.env");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(env)));
    assertTrue(Files.readString(env).contains("WARREN_ROOT_CREDENTIALS=admin:S3cret\n"));
    assertTrue(Files.readString(env).contains("WARREN_DEFAULT_NETWORK_CREDENTIALS=mynet:NetPass\n"));
    assertTrue(Files.isExecutable(root.resolve("opt/warren/bin/warren")));
    assertTrue(Files.exists(root.resolve("opt/warren/features/core.json")));

    Result u = warren(home, root, "--uninstall");
    assertEquals(0, u.exit(), u.toString());
    assertFalse(Files.exists(root.resolve("etc/systemd/system/warren.service")));
    assertFalse(Files.exists(env));
    assertFalse(Files.exists(root.resolve("opt/warren")));
    assertTrue(u.out().contains("is kept"), u.toString());
  }

  @Test
  void withoutCredentialsTheAdminPasswordIsShownOnceHereAndNeverByTheNode() throws Exception {
    Path home = NodeProcess.installation(dir);
    Path root = Files.createDirectories(dir.resolve("root"));
    Result r = warren(home, root, "--install");
    if (!"root".equals(System.getProperty("user.name"))) {
      assertEquals(2, r.exit(), r.toString());
      return;
    }
    assertEquals(0, r.exit(), r.toString());
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("admin password\\s+(\\S+)").matcher(r.out());
    assertTrue(m.find(), r.toString());
    String password = m.group(1);
    Path env = root.resolve("etc/warren/warren.env");
    assertTrue(Files.readString(env).contains("WARREN_ROOT_CREDENTIALS=admin:" + password + "\n"));
    // the node of such an install gets its credentials from that environment: it prints no password
    Path data = dir.resolve("data");
    List<String> cmd = List.of(home.resolve("bin/warren").toString(), "--no-console", "--data-dir", data.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("node.out").toFile())
        .redirectError(dir.resolve("node.err").toFile());
    pb.environment().put("WARREN_ROOT_CREDENTIALS", "admin:" + password);
    pb.environment().put("WARREN_DEFAULT_NETWORK_CREDENTIALS", "mynet:NetPass");
    Process node = pb.start();
    try {
      io.warren.testing.Await.until(NodeProcess.START_TIMEOUT,
          () -> Files.readString(dir.resolve("node.out")).contains(" ready in "), "the node's ready line");
      Result member = NodeProcess.run(List.of(home.resolve("bin/warren").toString(), "client", "--data-dir",
          data.toString(), "net:status"), null);
      assertTrue(member.out().contains("mynet"), "the network came from the environment: " + member);
      String log = Files.readString(dir.resolve("node.out")) + Files.readString(dir.resolve("node.err"));
      assertFalse(log.contains(password), "no admin password in the journal:\n" + log);
      assertFalse(log.contains("NetPass"), log);
      assertFalse(node.info().arguments().map(a -> String.join(" ", a)).orElse("").contains("NetPass"),
          "no secret in ps");
    } finally {
      node.destroy();
      node.waitFor();
    }
  }
}
