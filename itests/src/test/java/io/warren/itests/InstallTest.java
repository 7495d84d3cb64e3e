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
    assertTrue(unit.contains("ExecStart=/opt/warren/bin/warren --no-console --data-dir /var/lib/warren"
        + " --default-network-credentials mynet:NetPass"), unit);
    assertFalse(unit.contains("S3cret"), "the unit file is world-readable; no password in it");
    Path env = root.resolve("etc/warren/warren.env");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(env)));
    assertTrue(Files.readString(env).contains("WARREN_ROOT_CREDENTIALS=admin:S3cret"));
    assertTrue(Files.isExecutable(root.resolve("opt/warren/bin/warren")));
    assertTrue(Files.exists(root.resolve("opt/warren/features/core.json")));

    Result u = warren(home, root, "--uninstall");
    assertEquals(0, u.exit(), u.toString());
    assertFalse(Files.exists(root.resolve("etc/systemd/system/warren.service")));
    assertFalse(Files.exists(env));
    assertFalse(Files.exists(root.resolve("opt/warren")));
    assertTrue(u.out().contains("is kept"), u.toString());
  }
}
