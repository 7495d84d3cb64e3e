package io.warren.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a node keeps its state when no {@code --data-dir} is given: {@code <install>/data}, except
 * for a node run from a source checkout's build output ({@code <checkout>/distribution/target/warren}),
 * whose state goes to the user's XDG data directory so that {@code mvn clean} or a rebuild never
 * replaces its identity. The node and {@code warren client} choose alike.
 */
final class DataDirs {
  /** A default data directory and why it was chosen (printed at start). */
  record Choice(Path dir, boolean outsideBuildTree) {}

  private DataDirs() {}

  static Choice defaultFor(Path home) {
    return defaultFor(home, System.getenv(), Path.of(System.getProperty("user.home")));
  }

  static Choice defaultFor(Path home, Map<String, String> env, Path userHome) {
    if (!inBuildTree(home)) {
      return new Choice(home.resolve("data"), false);
    }
    String xdg = env.get("XDG_DATA_HOME");
    // the XDG spec: a relative path is invalid and is ignored
    Path base = xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
        : userHome.resolve(".local").resolve("share");
    return new Choice(base.resolve("warren").toAbsolutePath().normalize(), true);
  }

  /** Whether {@code home} is the distribution Maven assembles in a checkout: {@code .../target/warren} beside a pom. */
  static boolean inBuildTree(Path home) {
    Path target = home.toAbsolutePath().normalize().getParent();
    return target != null && target.getFileName() != null && target.getFileName().toString().equals("target")
        && target.getParent() != null && Files.isRegularFile(target.getParent().resolve("pom.xml"));
  }
}
