package io.warren.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code --install}: copies this installation to {@code /opt/warren} (without its data), creates the
 * system user {@value #USER} (no login, no home of its own), writes a systemd unit that runs the
 * node as that user with its data in {@code /var/lib/warren} (a systemd state directory owned by
 * it), and enables it when systemd runs here. Secrets (the admin credentials and the network
 * password) go only into {@value #ENV_FILE}, mode 0600 and owned by that user, which systemd reads
 * into the node's environment: never into the world-readable unit, the command line ({@code ps})
 * or the journal. Without {@code -rc} a random admin password is generated here, put in that file
 * and shown once on this terminal, so the node never prints one into its log.
 * {@code --uninstall} removes the unit, the environment file and {@code /opt/warren}; the data
 * and the user stay. {@code WARREN_INSTALL_ROOT} relocates everything under another root (for
 * tests; no user is created there).
 */
final class Installer {
  static final String UNIT = "etc/systemd/system/warren.service";
  static final String ENV_FILE = "etc/warren/warren.env";
  static final String TARGET = "opt/warren";
  static final String DATA = "var/lib/warren";
  static final String USER = "warren";

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
    if (onThisMachine()) {
      createUser();
      Path data = root.resolve(DATA);
      if (Files.isDirectory(data)) {
        // data of an install that ran as root: the node's user owns it now
        exec("chown", "-R", USER + ":" + USER, data.toString());
      }
    }
    Path unit = root.resolve(UNIT);
    Files.createDirectories(unit.getParent());
    Files.writeString(unit, unit(), StandardCharsets.UTF_8);
    out.println("wrote " + unit);
    writeEnvironment(root.resolve(ENV_FILE));
    if (systemdRuns()) {
      exec("systemctl", "daemon-reload");
      exec("systemctl", "enable", "--now", "warren.service");
      out.println("warren.service enabled and started; its log: journalctl -u warren");
    } else {
      out.println("systemd is not running here: start it later with `systemctl enable --now warren`");
    }
    return 0;
  }

  /**
   * The secrets, in an environment file only the node's user (and root) can read: written as a new
   * file with mode 0600 from the start, never world-readable even for a moment.
   */
  private void writeEnvironment(Path env) throws IOException, InterruptedException {
    String credentials = options.rootCredentials().orElse(null);
    if (credentials == null && Files.exists(env)) {
      // installing again without -rc keeps the admin credentials of the first install
      credentials = Files.readAllLines(env, StandardCharsets.UTF_8).stream()
          .filter(l -> l.startsWith("WARREN_ROOT_CREDENTIALS=")).map(l -> l.substring(l.indexOf('=') + 1))
          .filter(v -> !v.startsWith("\"")).findFirst().orElse(null);
    }
    String generated = null;
    if (credentials == null) {
      byte[] raw = new byte[15];
      new SecureRandom().nextBytes(raw);
      generated = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      credentials = "admin:" + generated;
    }
    StringBuilder text = new StringBuilder();
    text.append("WARREN_ROOT_CREDENTIALS=").append(envValue(credentials)).append('\n');
    options.networkCredentials()
        .ifPresent(v -> text.append("WARREN_DEFAULT_NETWORK_CREDENTIALS=").append(envValue(v)).append('\n'));
    Path dir = env.getParent();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Files.deleteIfExists(env);
    Files.createFile(env, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(env, text, StandardCharsets.UTF_8);
    if (onThisMachine()) {
      exec("chown", USER + ":" + USER, env.toString());
    }
    out.println("wrote " + env + " (readable by " + USER + " only)");
    if (generated != null) {
      out.println("admin user      admin");
      out.println("admin password  " + generated + "   (shown once, here only; it is kept in " + env + ")");
    }
  }

  /** A value for a systemd environment file: as it is, or double-quoted with {@code \} and {@code "} escaped. */
  static String envValue(String v) {
    if (v.chars().noneMatch(c -> c == '"' || c == '\'' || c == '\\' || Character.isWhitespace(c))) {
      return v;
    }
    return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** Creates the system user the node runs as, unless it exists: no login shell, no home directory of its own. */
  private void createUser() throws IOException, InterruptedException {
    if (new ProcessBuilder("id", "-u", USER).start().waitFor() == 0) {
      return;
    }
    exec("useradd", "--system", "--user-group", "--home-dir", "/" + DATA, "--no-create-home", "--shell",
        "/usr/sbin/nologin", "--comment", "Warren node", USER);
    out.println("created system user " + USER);
  }

  /** The unit runs the node as {@value #USER}; it holds no secret (they come from {@value #ENV_FILE}). */
  String unit() {
    List<String> args = new ArrayList<>();
    args.add("/" + TARGET + "/bin/warren");
    args.add("--no-console");
    args.add("--data-dir");
    args.add("/" + DATA);
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
        User=%s
        Group=%s
        StateDirectory=warren
        StateDirectoryMode=0700
        UMask=0077
        EnvironmentFile=/%s
        ExecStart=%s
        Restart=on-failure
        RestartSec=5
        NoNewPrivileges=true
        ProtectSystem=full
        PrivateTmp=true

        [Install]
        WantedBy=multi-user.target
        """.formatted(USER, USER, ENV_FILE, String.join(" ", args));
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
    return onThisMachine() && Files.isDirectory(Path.of("/run/systemd/system"));
  }

  /** Whether this installs on the machine itself (not under WARREN_INSTALL_ROOT). */
  private boolean onThisMachine() {
    return root.equals(Path.of("/"));
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
