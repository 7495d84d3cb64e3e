package io.warren.ssh.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ssh -t admin@node system-shell [command]}: the node's configured OS user's shell, where the
 * configuration enables it. With a terminal asked for, util-linux {@code script} gives the shell a
 * PTY (no native library); when the node runs as root, util-linux {@code setpriv} drops to the
 * configured user first. The window size is set from the client's request, and each change the
 * client reports is passed on with {@code stty -F} on the shell's PTY (found as its standard input).
 */
final class SystemShell extends ChannelStreams {
  /** The exec request's first word that asks for the system shell rather than a console command. */
  static final String WORD = "system-shell";
  private static final Logger LOG = LoggerFactory.getLogger(SystemShell.class);

  /** An OS account, as /etc/passwd has it. */
  record Account(String name, int uid, int gid, String home, String shell) {
    /** {@code name}'s line of {@code passwd}, or an exception saying it is not there. */
    static Account lookup(String name, Path passwd) {
      try {
        for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
          String[] f = line.split(":", -1);
          if (f.length >= 7 && f[0].equals(name)) {
            return new Account(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[5], f[6]);
          }
        }
      } catch (IOException | NumberFormatException e) {
        throw new IllegalArgumentException("io.warren.ssh: cannot read the OS user " + name + " from " + passwd, e);
      }
      throw new IllegalArgumentException("io.warren.ssh: system.shell.user " + name + " is not in " + passwd);
    }
  }

  /**
   * The checked configuration: who the shell runs as, the program (a shell: started with {@code -l},
   * or {@code -c line}), and whether the node (as root) switches to that user.
   */
  record Setup(Account account, String program, boolean switchUser) {
    /**
     * @param user the configured user; never empty, root only when named {@code root}
     * @param program the configured shell, or empty for the user's login shell
     * @param nodeUid the uid the node runs as
     */
    static Setup of(String user, String program, int nodeUid, Path passwd) {
      if (user == null || user.isBlank()) {
        throw new IllegalArgumentException("io.warren.ssh: system.shell = true needs system.shell.user, the OS "
            + "user the shell runs as (there is no default)");
      }
      Account a = Account.lookup(user.strip(), passwd);
      if (a.uid() == 0 && !a.name().equals("root")) {
        throw new IllegalArgumentException("io.warren.ssh: system.shell.user " + a.name() + " has uid 0; a shell "
            + "as root runs only when system.shell.user says root");
      }
      if (nodeUid != 0 && nodeUid != a.uid()) {
        throw new IllegalArgumentException("io.warren.ssh: the node runs as uid " + nodeUid + " and cannot start "
            + "a shell as " + a.name() + " (uid " + a.uid() + "): run the node as root or as that user");
      }
      String shell = program == null || program.isBlank() ? a.shell() : program.strip();
      if (shell.isBlank()) {
        throw new IllegalArgumentException("io.warren.ssh: " + a.name() + " has no login shell in " + passwd
            + "; set system.shell.command");
      }
      return new Setup(a, shell, nodeUid == 0 && a.uid() != 0);
    }

    /** The command line for a session: {@code line} empty for an interactive login shell. */
    List<String> command(String line, boolean pty, int columns, int rows) {
      List<String> cmd = new ArrayList<>();
      if (switchUser) {
        cmd.addAll(List.of("setpriv", "--reuid=" + account.uid(), "--regid=" + account.gid(), "--init-groups",
            "--"));
      }
      if (!pty) {
        cmd.addAll(line.isBlank() ? List.of(program, "-l") : List.of(program, "-c", line));
        return cmd;
      }
      String run = "exec " + quote(program) + (line.isBlank() ? " -l" : " -c " + quote(line));
      String size = columns > 0 && rows > 0 ? "stty cols " + columns + " rows " + rows + " 2>/dev/null; " : "";
      cmd.addAll(List.of("script", "-qfec", size + "SHELL=" + quote(program) + " " + run, "/dev/null"));
      return cmd;
    }
  }

  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private final Setup setup;
  private final String line;
  private final String source;
  private Process process;

  SystemShell(Setup setup, String line, String source) {
    this.setup = setup;
    this.line = line;
    this.source = source;
  }

  /** The command after {@link #WORD}, or null when {@code exec} does not ask for the system shell. */
  static String request(String exec) {
    String s = exec.strip();
    if (s.equals(WORD)) {
      return "";
    }
    return s.startsWith(WORD + " ") ? s.substring(WORD.length() + 1).strip() : null;
  }

  @Override
  public void start(ChannelSession channel, Environment env) throws IOException {
    boolean pty = !env.getPtyModes().isEmpty();
    Map<String, String> vars = env.getEnv();
    int columns = number(vars.get(Environment.ENV_COLUMNS));
    int rows = number(vars.get(Environment.ENV_LINES));
    Account a = setup.account();
    ProcessBuilder pb = new ProcessBuilder(setup.command(line, pty, columns, rows));
    Path home = Path.of(a.home());
    pb.directory(Files.isDirectory(home) ? home.toFile() : Path.of("/").toFile());
    Map<String, String> e = pb.environment();
    e.clear();
    e.put("HOME", a.home());
    e.put("USER", a.name());
    e.put("LOGNAME", a.name());
    e.put("SHELL", setup.program());
    e.put("PATH", a.uid() == 0 ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        : "/usr/local/bin:/usr/bin:/bin");
    e.put("TERM", vars.getOrDefault(Environment.ENV_TERM, "dumb"));
    if (pty) {
      e.put("SHELL", "/bin/sh"); // script runs its -c line with $SHELL; the line sets the shell's own
    }
    try {
      process = pb.start();
    } catch (IOException ex) {
      throw new IOException("ssh: cannot start the system shell " + pb.command() + ": " + ex.getMessage(), ex);
    }
    LOG.info("ssh: system shell as {} for the admin from {} ({}, {})", a.name(), source,
        line.isBlank() ? "interactive" : "a command", pty ? "a terminal" : "no terminal");
    Process p = process;
    if (pty) {
      env.addSignalListener((ch, signal) -> {
        Thread t = new Thread(() -> resize(p, number(vars.get(Environment.ENV_COLUMNS)),
            number(vars.get(Environment.ENV_LINES))), "warren-ssh-system-shell-resize");
        t.setDaemon(true);
        t.start();
      }, Signal.WINCH);
    }
    Thread input = pump(in, p.getOutputStream(), true, "input");
    Thread output = pump(p.getInputStream(), out, false, "output");
    Thread errors = pump(p.getErrorStream(), err, false, "errors");
    Thread waiter = new Thread(() -> {
      int status = 1;
      try {
        status = p.waitFor();
        output.join();
        errors.join();
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      input.interrupt();
      exit.onExit(status);
    }, "warren-ssh-system-shell");
    waiter.setDaemon(true);
    waiter.start();
  }

  /** Sets the size of the PTY the shell under {@code script} has as its standard input. */
  private static void resize(Process script, int columns, int rows) {
    if (columns <= 0 || rows <= 0) {
      return;
    }
    script.descendants().map(h -> Path.of("/proc", Long.toString(h.pid()), "fd", "0")).flatMap(fd -> {
      try {
        Path tty = Files.readSymbolicLink(fd);
        return tty.startsWith("/dev/pts/") ? java.util.stream.Stream.of(tty) : java.util.stream.Stream.empty();
      } catch (IOException | UnsupportedOperationException e) {
        return java.util.stream.Stream.empty();
      }
    }).findFirst().ifPresent(tty -> {
      try {
        Process stty = new ProcessBuilder("stty", "-F", tty.toString(), "cols", Integer.toString(columns), "rows",
            Integer.toString(rows)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!stty.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          stty.destroyForcibly();
        }
      } catch (IOException e) {
        LOG.debug("ssh: resizing {}: {}", tty, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private static int number(String s) {
    try {
      return s == null ? 0 : Integer.parseInt(s.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Copies until the end of {@code from}; closes {@code to} then when it is the shell's input. */
  private static Thread pump(InputStream from, OutputStream to, boolean close, String what) {
    Thread t = new Thread(() -> {
      byte[] b = new byte[32 * 1024];
      try {
        for (int n; (n = from.read(b)) >= 0;) {
          to.write(b, 0, n);
          to.flush();
        }
        if (close) {
          to.close();
        }
      } catch (IOException e) {
        // one side is gone
      }
    }, "warren-ssh-system-shell-" + what);
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public void destroy(ChannelSession channel) {
    if (process != null) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  /** What the client gets when the system shell is off: a message and status 1. */
  static Command refused(String message) {
    return new ChannelStreams() {
      @Override
      public void start(ChannelSession channel, Environment env) throws IOException {
        String eol = env.getPtyModes().isEmpty() ? "\n" : "\r\n";
        err.write((message + eol).getBytes(StandardCharsets.UTF_8));
        err.flush();
        exit.onExit(1, message);
      }

      @Override
      public void destroy(ChannelSession channel) {}
    };
  }
}
