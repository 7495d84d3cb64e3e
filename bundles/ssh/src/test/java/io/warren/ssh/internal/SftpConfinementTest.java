package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftpConfinementTest {
  @TempDir Path dir;

  @Test
  void realPathsDecideAndLinksOutAreOutside() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root")).toRealPath();
    Path outside = Files.writeString(dir.resolve("secret"), "s");
    Files.createDirectories(root.resolve("sub"));
    Files.createSymbolicLink(root.resolve("to-secret"), outside);
    Files.createSymbolicLink(root.resolve("to-dir"), dir);
    Files.createSymbolicLink(root.resolve("to-sub"), root.resolve("sub"));
    Files.createSymbolicLink(root.resolve("dangling"), dir.resolve("nothing"));
    SftpConfinement c = new SftpConfinement(root);

    assertTrue(c.inside(root));
    assertTrue(c.inside(root.resolve("sub/new-file")), "a file to create in a folder inside");
    assertTrue(c.inside(root.resolve("to-sub/new-file")), "a link that stays inside");
    assertFalse(c.inside(root.resolve("to-secret")));
    assertFalse(c.inside(root.resolve("to-dir/secret")));
    assertFalse(c.inside(root.resolve("to-dir/new-file")), "a file to create through a link out");
    assertFalse(c.inside(root.resolve("dangling")));
    assertFalse(c.inside(dir.resolve("secret")));
  }
}
