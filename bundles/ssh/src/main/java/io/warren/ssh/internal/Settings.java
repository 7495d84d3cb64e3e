package io.warren.ssh.internal;

import io.warren.api.NodeProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** The SSH console's {@link SshConsoleServer.Config}, checked (one record, so tests build it directly). */
record Settings(boolean enabled, String host, int port, boolean passwords, int maxSessions, int maxPerAddress,
    int maxPerUser, int maxAuthAttempts, Duration authTimeout, Duration idleTimeout,
    Optional<SystemShell.Setup> systemShell, Optional<Path> sftpDirectory, boolean localForwarding,
    boolean deviceLogins) {
  Settings(boolean enabled, String host, int port, boolean passwords, int maxSessions, int maxPerAddress,
      int maxPerUser, int maxAuthAttempts, Duration authTimeout, Duration idleTimeout) {
    this(enabled, host, port, passwords, maxSessions, maxPerAddress, maxPerUser, maxAuthAttempts, authTimeout,
        idleTimeout, Optional.empty(), Optional.empty(), false, false);
  }

  /** These settings with device logins on or off. */
  Settings withDeviceLogins(boolean on) {
    return new Settings(enabled, host, port, passwords, maxSessions, maxPerAddress, maxPerUser, maxAuthAttempts,
        authTimeout, idleTimeout, systemShell, sftpDirectory, localForwarding, on);
  }

  static Settings of(SshConsoleServer.Config c, String portProperty) {
    OptionalInt given = NodeProperties.port(SshConsoleServer.PORT_PROPERTY, portProperty);
    int port = given.orElse(c.port());
    boolean enabled = c.enabled() || given.isPresent();
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("io.warren.ssh: port must be 0-65535, got " + port);
    }
    if (c.host() == null || c.host().isBlank()) {
      throw new IllegalArgumentException("io.warren.ssh: host must name an address to bind");
    }
    if (c.max_sessions() < 1 || c.max_sessions_per_address() < 1 || c.max_sessions_per_user() < 1
        || c.max_auth_attempts() < 1 || c.auth_timeout_seconds() < 1 || c.idle_timeout_seconds() < 1) {
      throw new IllegalArgumentException("io.warren.ssh: every limit and timeout must be at least 1");
    }
    Optional<SystemShell.Setup> shell = c.system_shell()
        ? Optional.of(SystemShell.Setup.of(c.system_shell_user(), c.system_shell_command(), nodeUid(),
            Path.of("/etc/passwd")))
        : Optional.empty();
    return new Settings(enabled, c.host().strip(), port, c.password_authentication(), c.max_sessions(),
        c.max_sessions_per_address(), c.max_sessions_per_user(), c.max_auth_attempts(),
        Duration.ofSeconds(c.auth_timeout_seconds()), Duration.ofSeconds(c.idle_timeout_seconds()), shell,
        sftpDirectory(c.sftp_directory()), c.local_forwarding(), c.device_logins());
  }

  /** The SFTP root, as a real path (so links in the configured one do not move it), if any. */
  static Optional<Path> sftpDirectory(String configured) {
    if (configured == null || configured.isBlank()) {
      return Optional.empty();
    }
    Path p = Path.of(configured.strip());
    if (!p.isAbsolute() || !Files.isDirectory(p)) {
      throw new IllegalArgumentException("io.warren.ssh: sftp.directory must be an existing directory's absolute "
          + "path, got '" + configured + "'");
    }
    try {
      return Optional.of(p.toRealPath());
    } catch (IOException e) {
      throw new IllegalArgumentException("io.warren.ssh: sftp.directory " + configured + ": " + e.getMessage(), e);
    }
  }

  /** The uid this process runs as. */
  private static int nodeUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      throw new IllegalArgumentException("io.warren.ssh: system.shell needs a Linux node (cannot read its uid)",
          e);
    }
  }
}
