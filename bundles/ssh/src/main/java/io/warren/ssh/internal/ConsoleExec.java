package io.warren.ssh.internal;

import io.warren.api.CommandRunner;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.channel.ChannelSession;

/** {@code ssh node 'node:info'}: one console line, its output, and its status as the exit status. */
final class ConsoleExec extends ConsoleCommand {
  private final String line;

  ConsoleExec(CommandRunner commands, ExecutorService workers, String line) {
    super(commands, workers);
    this.line = line;
  }

  @Override
  int run(ChannelSession channel, Environment env, boolean pty) {
    PrintStream stdout = new PrintStream(terminalLines(out, pty), true, StandardCharsets.UTF_8);
    PrintStream stderr = new PrintStream(terminalLines(err, pty), true, StandardCharsets.UTF_8);
    if (line.isBlank()) {
      stderr.println("no command given (e.g. ssh ... node:info)");
      return 2;
    }
    int status = commands.execute(line, in, stdout, stderr);
    stdout.flush();
    stderr.flush();
    return status;
  }
}
