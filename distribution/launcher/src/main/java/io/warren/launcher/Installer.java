package io.warren.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --install}: copies this installation to {@code /opt/warren} (without its data), writes a
 * systemd unit that runs it with its data in {@code /var/lib/warren}, and enables it when systemd
 * runs here. Root credentials go to a root-only environment file, never into the unit.
 * {@code --uninstall} removes the unit, the environment file and {@code /opt/warren}; the data
 * stays. {@code WARREN_INSTALL_ROOT} relocates everything under another root (for tests).
 */
final class Installer {
  static final String UNIT = "etc/systemd/system/warren.service";
  static final String ENV_FILE = "etc/warren/warren.env";
  static final String TARGET = "opt/warren";
  static final String DATA = "var/lib/warren";

  private final Path home;
  private final Options options;
  private final PrintStream out;
  private final Path root;

  Installer(Path home, Options options, PrintStream out) {
    this.home = home;
    this.options = options;
    this.out = out;
    String r = System.getenv("WARREN_INSTALL_ROOT");
    this.root = Path.of(r == null || r.isEmpty() ? "/" : r);
  }

  int run() throws UsageException, IOException, InterruptedException {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new UsageException((options.install() ? "--install" : "--uninstall") + " must run as root (try sudo)");
    }
    return options.install() ? install() : uninstall();
  }

  private int install() throws IOException, InterruptedException {
    Path target = root.resolve(TARGET);
    if (!home.equals(target.toAbsolutePath().normalize())) {
      copyTree(home, target);
    }
    Path unit = root.resolve(UNIT);
    Files.createDirectories(unit.getParent());
    Files.writeString(unit, unit(), java.nio.charset.StandardCharsets.UTF_8);
    out.println("wrote " + unit);
    Path env = root.resolve(ENV_FILE);
    if (options.rootCredentials().isPresent()) {
      Files.createDirectories(env.getParent());
      Files.deleteIfExists(env);
      Files.createFile(env, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(env, "WARREN_ROOT_CREDENTIALS=" + options.rootCredentials().get() + "\n");
      out.println("wrote " + env + " (root only)");
    }
    if (systemdRuns()) {
      exec("systemctl", "daemon-reload");
      exec("systemctl", "enable", "--now", "warren.service");
      out.println("warren.service enabled and started; its log: journalctl -u warren");
    } else {
      out.println("systemd is not running here: start it later with `systemctl enable --now warren`");
    }
    return 0;
  }

  String unit() {
    List<String> args = new ArrayList<>();
    args.add("/" + TARGET + "/bin/warren");
    args.add("--no-console");
    args.add("--data-dir");
    args.add("/" + DATA);
    options.networkCredentials().ifPresent(v -> {
      args.add("--default-network-credentials");
      args.add(v);
    });
    options.bootstrap().ifPresent(v -> {
      args.add("--bootstrap");
      args.add(v);
    });
    return """
        [Unit]
        Description=Warren overlay network node
        Wants=network-online.target
        After=network-online.target

        [Service]
        Type=simple
        EnvironmentFile=-/%s
        ExecStart=%s
        Restart=on-failure
        RestartSec=5
        NoNewPrivileges=true
        ProtectSystem=full
        PrivateTmp=true

        [Install]
        WantedBy=multi-user.target
        """.formatted(ENV_FILE, String.join(" ", args));
  }

  private int uninstall() throws IOException, InterruptedException {
    if (systemdRuns()) {
      exec("systemctl", "disable", "--now", "warren.service");
    }
    for (Path p : List.of(root.resolve(UNIT), root.resolve(ENV_FILE))) {
      if (Files.deleteIfExists(p)) {
        out.println("removed " + p);
      }
    }
    Path target = root.resolve(TARGET);
    if (Files.isDirectory(target) && !home.startsWith(target.toAbsolutePath().normalize())) {
      deleteTree(target);
      out.println("removed " + target);
    }
    if (systemdRuns()) {
      exec("systemctl", "daemon-reload");
    }
    out.println("the node's data in " + root.resolve(DATA) + " is kept");
    return 0;
  }

  private boolean systemdRuns() {
    return root.equals(Path.of("/")) && Files.isDirectory(Path.of("/run/systemd/system"));
  }

  private void exec(String... cmd) throws IOException, InterruptedException {
    int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
    if (rc != 0) {
      throw new IOException(String.join(" ", cmd) + " failed with status " + rc);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Path data = from.resolve("data");
    Files.walkFileTree(from, java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            if (dir.equals(data)) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(to.resolve(from.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.COPY_ATTRIBUTES);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
