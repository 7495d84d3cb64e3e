package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirsTest {
  @TempDir Path dir;

  /** {@code <checkout>/distribution/target/warren}, as the build assembles it. */
  private Path buildTree() throws Exception {
    Path distribution = Files.createDirectories(dir.resolve("checkout/distribution"));
    Files.writeString(distribution.resolve("pom.xml"), "<project/>");
    return Files.createDirectories(distribution.resolve("target/warren"));
  }

  @Test
  void anInstallationKeepsItsDataBesideIt() throws Exception {
    Path home = Files.createDirectories(dir.resolve("opt/warren"));
    DataDirs.Choice c = DataDirs.defaultFor(home, Map.of("XDG_DATA_HOME", "/x"), dir.resolve("home"));
    assertEquals(home.resolve("data"), c.dir());
    assertFalse(c.outsideBuildTree());
  }

  @Test
  void aBuildTreeKeepsItsDataInTheXdgDataDirectory() throws Exception {
    Path home = buildTree();
    Path xdg = dir.resolve("xdg");
    DataDirs.Choice c = DataDirs.defaultFor(home, Map.of("XDG_DATA_HOME", xdg.toString()), dir.resolve("home"));
    assertEquals(xdg.resolve("warren"), c.dir());
    assertTrue(c.outsideBuildTree());
    assertFalse(c.dir().startsWith(dir.resolve("checkout")), "mvn clean must not reach it");
  }

  @Test
  void withoutXdgDataHomeOrWithARelativeOneItIsLocalShare() throws Exception {
    Path home = buildTree();
    Path user = dir.resolve("home");
    assertEquals(user.resolve(".local/share/warren"), DataDirs.defaultFor(home, Map.of(), user).dir());
    assertEquals(user.resolve(".local/share/warren"), DataDirs.defaultFor(home, Map.of("XDG_DATA_HOME", ""), user)
        .dir());
    // the XDG spec: relative paths are invalid and ignored
    assertEquals(user.resolve(".local/share/warren"),
        DataDirs.defaultFor(home, Map.of("XDG_DATA_HOME", "rel/data"), user).dir());
  }

  @Test
  void aTargetFolderWithoutAPomIsNotABuildTree() throws Exception {
    Path home = Files.createDirectories(dir.resolve("srv/target/warren"));
    assertFalse(DataDirs.inBuildTree(home));
    assertEquals(home.resolve("data"), DataDirs.defaultFor(home, Map.of(), dir).dir());
  }
}
