package io.warren.launcher;

import java.io.BufferedReader;
import java.io.Console;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * {@code warren client [--data-dir DIR] [--user NAME [--password-stdin]] command...}: runs one
 * console command on the node that owns the data directory and exits with its status. The words
 * are joined with spaces into one console line, as ssh does.
 */
final class Client {
  static final String MAGIC = "WARREN-CONSOLE-1";

  private Client() {}

  /**
   * {@code shell [--node] <node> [--credentials U:P] [command...]} is {@code ssh:shell --node <node> ...}:
   * the console of another node of the network, as the seeds' {@code client shell} opens it.
   */
  static List<String> shellAlias(List<String> words) throws UsageException {
    if (words.isEmpty() || !words.get(0).equals("shell")) {
      return words;
    }
    // the seeds' form names the node with --node
    int node = words.size() > 2 && words.get(1).equals("--node") ? 2 : 1;
    if (words.size() <= node || words.get(node).startsWith("-")) {
      throw new UsageException(
          "usage: warren client shell [--node] <node> [--credentials user:password] [command ...]");
    }
    List<String> ssh = new ArrayList<>(List.of("ssh:shell", "--node", words.get(node)));
    ssh.addAll(words.subList(node + 1, words.size()));
    return ssh;
  }

  /**
   * {@code warren status [--data-dir DIR] [--json]} is {@code warren client [--data-dir DIR] net:peers
   * [--json]}: this node and every member at a glance, as {@code tailscale status}; non-zero when no
   * node runs.
   */
  static List<String> statusAlias(List<String> args) throws UsageException {
    List<String> out = new ArrayList<>();
    boolean json = false;
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--data-dir") && i + 1 < args.size()) {
        out.add(args.get(i));
        out.add(args.get(++i));
      } else if (args.get(i).equals("--json")) {
        json = true;
      } else {
        throw new UsageException("usage: warren status [--data-dir DIR] [--json]");
      }
    }
    out.add("net:peers");
    if (json) {
      out.add("--json");
    }
    return out;
  }

  static int run(List<String> args, Path home, PrintStream out, PrintStream err) throws UsageException {
    Path dataDir = DataDirs.defaultFor(home).dir();
    String user = null;
    boolean passwordStdin = false;
    int i = 0;
    while (i < args.size() && args.get(i).startsWith("-")) {
      String a = args.get(i);
      switch (a) {
        case "--data-dir" -> {
          if (i + 1 >= args.size()) {
            throw new UsageException("--data-dir needs a value");
          }
          dataDir = Path.of(args.get(++i)).toAbsolutePath().normalize();
        }
        case "--user", "-u" -> {
          if (i + 1 >= args.size()) {
            throw new UsageException("--user needs a value");
          }
          user = args.get(++i);
        }
        case "--password-stdin" -> passwordStdin = true;
        case "--" -> {
          i++;
          break;
        }
        default -> throw new UsageException("unknown client option " + a
            + " (usage: warren client [--data-dir DIR] [--user NAME [--password-stdin]] <command ...>)");
      }
      if (a.equals("--")) {
        break;
      }
      i++;
    }
    List<String> words =
        new ArrayList<>(shellAlias(SeedAliases.translate(args.subList(Math.min(i, args.size()), args.size()))));
    if (words.isEmpty()) {
      throw new UsageException("no command given (try: warren client node:info)");
    }
    return send(words, dataDir, user, passwordStdin, out, err);
  }

  /**
   * Whether {@code words} open another node's console for typing ({@code ssh:shell} with flags but
   * no command): then a terminal here is handed over raw, with its type and size, and the other
   * node's console runs with a PTY (prompt, line editing, completion).
   */
  static boolean interactiveShell(List<String> words) {
    if (words.isEmpty() || !words.get(0).equals("ssh:shell")) {
      return false;
    }
    for (int i = 1; i < words.size(); i++) {
      switch (words.get(i)) {
        case "-n", "--node", "-c", "--credentials" -> i++;
        default -> {
          return false;
        }
      }
    }
    return true;
  }

  private static int send(List<String> words, Path dataDir, String user, boolean passwordStdin, PrintStream out,
      PrintStream err) {
    Path file = dataDir.resolve("run").resolve("console");
    Properties endpoint = new Properties();
    try {
      endpoint.load(new java.io.StringReader(Files.readString(file, StandardCharsets.US_ASCII)));
    } catch (NoSuchFileException e) {
      err.println("warren: no Warren node is running with data directory " + dataDir + " (" + file + " is missing)");
      return 1;
    } catch (AccessDeniedException e) {
      if (user == null) {
        err.println("warren: cannot read " + file + ": run as the node's owner, or authenticate with --user");
        return 3;
      }
    } catch (IOException e) {
      err.println("warren: cannot read " + file + ": " + e.getMessage());
      return 1;
    }
    String port = endpoint.getProperty("port");
    if (port == null) {
      err.println("warren: " + file + " does not name the console port; is the node still starting?");
      return 1;
    }
    char[] password = null;
    if (user != null) {
      password = readPassword(passwordStdin, err);
      if (password == null) {
        return 2;
      }
    }
    // after any password prompt: from here the terminal, if any, is the other node's
    RawTerminal raw = interactiveShell(words) && System.console() != null
        ? RawTerminal.enter(System.getenv("TERM"), err)
        : null;
    if (raw != null) {
      words.addAll(1, List.of("--pty", raw.spec()));
    }
    try (Socket s = new Socket(); RawTerminal restore = raw) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port)), 5000);
      DataOutputStream o = new DataOutputStream(s.getOutputStream());
      o.writeUTF(MAGIC);
      if (user == null) {
        o.writeUTF("token");
        o.writeUTF(endpoint.getProperty("token", ""));
      } else {
        o.writeUTF("password");
        o.writeUTF(user);
        o.writeUTF(new String(password));
      }
      byte[] line = String.join(" ", words).getBytes(StandardCharsets.UTF_8);
      o.writeInt(line.length);
      o.write(line);
      o.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      Progress progress = new Progress(out, terminal());
      while (true) {
        int kind = in.readUnsignedByte();
        if (kind == 'X') {
          progress.end();
          return in.readInt();
        }
        if (kind == 'P') {
          progress.show(new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8));
          continue;
        }
        progress.end();
        if (kind == 'R') {
          in.readInt();
          pumpStdin(o);
          continue;
        }
        int len = in.readInt();
        byte[] b = in.readNBytes(len);
        (kind == 'E' ? err : out).write(b, 0, b.length);
        (kind == 'E' ? err : out).flush();
      }
    } catch (ConnectException e) {
      err.println("warren: no Warren node is listening for data directory " + dataDir + " (it may have stopped)");
      return 1;
    } catch (EOFException e) {
      err.println("warren: the node closed the connection before the command finished");
      return 1;
    } catch (IOException | NumberFormatException e) {
      err.println("warren: talking to the node failed: " + e.getMessage());
      return 1;
    }
  }

  /** Whether standard output is a terminal (Java 22 and later have a console on pipes too, and say so). */
  static boolean terminal() {
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  /** Progress lines ('P' frames): redrawn in place on a terminal, printed one per line otherwise. */
  static final class Progress {
    /** A line that starts with a percentage gets a bar in front of it. */
    static final java.util.regex.Pattern PERCENT = java.util.regex.Pattern.compile("(\\d{1,3})%");
    private final PrintStream out;
    private final boolean terminal;
    private boolean showing;

    Progress(PrintStream out, boolean terminal) {
      this.out = out;
      this.terminal = terminal;
    }

    void show(String line) {
      String text = line.stripTrailing();
      if (terminal) {
        java.util.regex.Matcher m = PERCENT.matcher(text);
        int done = m.lookingAt() ? Math.min(100, Integer.parseInt(m.group(1))) * 30 / 100 : -1;
        out.print("\r" + (done < 0 ? "" : "[" + "=".repeat(done) + " ".repeat(30 - done) + "] ") + text + "\033[K");
        showing = true;
      } else {
        out.println(text);
      }
      out.flush();
    }

    /** Other output follows: the line in place stays, and what follows starts below it. */
    void end() {
      if (showing) {
        out.println();
        out.flush();
        showing = false;
      }
    }
  }

  /** The command reads its input: send ours as 'I' frames, then 'I' 0 at its end. */
  private static void pumpStdin(DataOutputStream o) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[32 * 1024];
      try {
        int n;
        while ((n = System.in.read(buf)) >= 0) {
          if (n > 0) {
            synchronized (o) {
              o.writeByte('I');
              o.writeInt(n);
              o.write(buf, 0, n);
              o.flush();
            }
          }
        }
        synchronized (o) {
          o.writeByte('I');
          o.writeInt(0);
          o.flush();
        }
      } catch (IOException e) {
        // the node closed the connection; the main thread reports how the command ended
      }
    }, "warren-client-stdin");
    t.setDaemon(true);
    t.start();
  }

  private static char[] readPassword(boolean stdin, PrintStream err) {
    if (stdin) {
      try {
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return line == null ? new char[0] : line.toCharArray();
      } catch (IOException e) {
        err.println("warren: cannot read the password from standard input: " + e.getMessage());
        return null;
      }
    }
    Console console = System.console();
    if (console == null) {
      err.println("warren: --user needs a terminal to ask for the password, or --password-stdin");
      return null;
    }
    return console.readPassword("Password: ");
  }
}
