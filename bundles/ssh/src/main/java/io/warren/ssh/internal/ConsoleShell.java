package io.warren.ssh.internal;

import io.warren.api.CommandRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.channel.ChannelSession;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;

/**
 * {@code ssh node}: the console, one command per line. With a terminal (the client asked for a PTY,
 * as {@code ssh} does when run from one) JLine reads the lines, with a prompt, line editing,
 * history and completion of command names and flags (the {@link CommandRunner}'s, as the commands
 * declare them); without one, lines are read as they come and nothing
 * is echoed, so {@code ssh node < commands.txt} runs a script. {@code exit}, {@code logout} or end
 * of input leave; the exit status is the last command's.
 */
final class ConsoleShell extends ConsoleCommand {
  static final String PROMPT = "warren> ";
  /** The longest line read without a terminal; a longer one ends the session. */
  static final int MAX_LINE = 64 * 1024;
  private static final byte[] NO_INPUT = new byte[0];

  private final String banner;

  ConsoleShell(CommandRunner commands, ExecutorService workers, String banner) {
    super(commands, workers);
    this.banner = banner;
  }

  /** Tab: what the runner offers for the word under the cursor, given the words before it. */
  static Completer completer(CommandRunner commands) {
    return (reader, line, candidates) -> {
      List<String> before = line.words().subList(0, Math.min(line.wordIndex(), line.words().size()));
      for (String c : commands.complete(before)) {
        candidates.add(new Candidate(c));
      }
    };
  }

  @Override
  int run(ChannelSession channel, Environment env, boolean pty) throws IOException {
    return pty ? interactive(env) : lines();
  }

  private static boolean leaves(String line) {
    String l = line.strip();
    return l.equals("exit") || l.equals("logout") || l.equals("quit");
  }

  private int lines() throws IOException {
    PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
    int status = 0;
    for (String line; (line = readLine(in)) != null;) {
      if (line.isBlank()) {
        continue;
      }
      if (leaves(line)) {
        break;
      }
      status = commands.execute(line, new ByteArrayInputStream(NO_INPUT), stdout, stderr);
    }
    return status;
  }

  /** One line of UTF-8 without its end (LF or CR LF), or null at end of input. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) >= 0;) {
      if (b == '\n') {
        return trimCr(line);
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("ssh: a console line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
    return line.size() == 0 ? null : trimCr(line);
  }

  private static String trimCr(ByteArrayOutputStream line) {
    String s = line.toString(StandardCharsets.UTF_8);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private int interactive(Environment env) throws IOException {
    String type = env.getEnv().getOrDefault(Environment.ENV_TERM, "vt100");
    try (Terminal terminal = new ExternalTerminal("warren-ssh", type, in, out, StandardCharsets.UTF_8)) {
      terminal.setSize(size(env));
      env.addSignalListener((channel, signal) -> {
        terminal.setSize(size(env));
        terminal.raise(Terminal.Signal.WINCH);
      }, Signal.WINCH);
      LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("warren")
          .completer(completer(commands)).variable(LineReader.HISTORY_SIZE, 500).build();
      PrintStream console = new PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
      console.println(banner);
      int status = 0;
      while (true) {
        String line;
        try {
          line = reader.readLine(PROMPT);
        } catch (UserInterruptException e) {
          continue; // Ctrl-C drops the line being typed
        } catch (EndOfFileException e) {
          break; // Ctrl-D, or the client went away
        }
        if (line.isBlank()) {
          continue;
        }
        if (leaves(line)) {
          break;
        }
        status = commands.execute(line, new ByteArrayInputStream(NO_INPUT), console, console);
        console.flush();
      }
      terminal.flush();
      return status;
    }
  }

  private static Size size(Environment env) {
    return new Size(number(env, Environment.ENV_COLUMNS, 80), number(env, Environment.ENV_LINES, 24));
  }

  private static int number(Environment env, String name, int otherwise) {
    try {
      int n = Integer.parseInt(env.getEnv().getOrDefault(name, ""));
      return n > 0 && n < 10_000 ? n : otherwise;
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}
