package io.warren.ssh.internal;

import io.warren.api.CommandRunner;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.channel.ChannelSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SSH channel's console work (one command, or a shell), run on a thread of its own: MINA SSHD
 * hands the channel's streams over and expects {@link #start} to return at once.
 */
abstract class ConsoleCommand extends ChannelStreams {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleCommand.class);

  protected final CommandRunner commands;
  private final ExecutorService workers;
  private Future<?> running;

  ConsoleCommand(CommandRunner commands, ExecutorService workers) {
    this.commands = commands;
    this.workers = workers;
  }

  @Override
  public void start(ChannelSession channel, Environment env) throws IOException {
    boolean pty = !env.getPtyModes().isEmpty();
    running = workers.submit(() -> {
      int status = 1;
      try {
        status = run(channel, env, pty);
      } catch (Exception e) {
        LOG.debug("ssh: console channel {} ended: {}", channel, e.toString());
      } finally {
        try {
          out.flush();
          err.flush();
        } catch (IOException e) {
          // the channel is gone
        }
        exit.onExit(status);
      }
    });
  }

  /** The work; returns the exit status the client gets. */
  abstract int run(ChannelSession channel, Environment env, boolean pty) throws Exception;

  @Override
  public void destroy(ChannelSession channel) {
    if (running != null) {
      running.cancel(true);
    }
  }

  /** With a terminal (a PTY was asked for), a line ends in CR LF. */
  static OutputStream terminalLines(OutputStream out, boolean pty) {
    if (!pty) {
      return out;
    }
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        if (b == '\n') {
          out.write('\r');
        }
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        int start = off;
        for (int i = off; i < off + len; i++) {
          if (b[i] == '\n') {
            out.write(b, start, i - start);
            out.write('\r');
            start = i;
          }
        }
        out.write(b, start, off + len - start);
      }
    };
  }
}
