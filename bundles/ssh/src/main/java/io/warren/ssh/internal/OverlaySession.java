package io.warren.ssh.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Threads;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.Splice;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.common.util.threads.SshThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code ssh:shell} session through the overlay, with MINA SSHD's client: a one-shot loopback port
 * spliced to a new {@value OverlayShellHandler#PROTOCOL} stream to the peer, an SSH login over it
 * with the identity and host key check {@link ShellCommands} chose, then a command or the lines of
 * the console's input, and the remote status.
 */
final class OverlaySession {
  private static final Logger LOG = LoggerFactory.getLogger(OverlaySession.class);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final PeerDirectory directory;
  private final EventLoops loops;

  OverlaySession(PeerDirectory directory, EventLoops loops) {
    this.directory = directory;
    this.loops = loops;
  }

  /** Where to ({@code node} as the user typed it), what to run (blank: lines), and the console's streams. */
  record Target(String node, PeerRef peer, String command, Optional<ShellCommands.Pty> pty, InputStream in,
      OutputStream out, OutputStream err) {}

  /**
   * Runs {@code s} logged in as {@code user} with {@code identity}, accepting the host keys
   * {@code hostKey} accepts; why a stream or key was refused, where known, is in {@code refused}.
   *
   * @return the remote status
   */
  int run(Target s, String user, Consumer<ClientSession> identity, ServerKeyVerifier hostKey,
      AtomicReference<String> refused) throws Exception {
    Channel listener = oneShot(s.peer(), refused);
    int port = ((InetSocketAddress) listener.localAddress()).getPort();
    ClassLoader context = SshdLoader.enter();
    SshClient client = SshClient.setUpDefaultClient();
    try {
      ownThreads(client);
      client.setServerKeyVerifier(hostKey);
      client.start();
      try (ClientSession session = login(s.node(), client, user, port, identity, refused)) {
        try (ClientChannel channel = s.command().isBlank() ? shellChannel(session, s.pty())
            : session.createExecChannel(s.command())) {
          if (s.command().isBlank()) {
            channel.setIn(nonClosing(s.in()));
          }
          channel.setOut(nonClosing(s.out()));
          // System.err is this command's standard error only on this thread (Gogo's ThreadIO), not on
          // MINA's: its threads hand what the node writes there to this one
          BlockingQueue<byte[]> errors = new LinkedBlockingQueue<>();
          channel.setErr(new OutputStream() {
            @Override
            public void write(int b) {
              errors.add(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) {
              errors.add(Arrays.copyOfRange(b, off, off + len));
            }
          });
          channel.open().verify(WAIT);
          while (!channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 100).contains(ClientChannelEvent.CLOSED)
              || !errors.isEmpty()) {
            for (byte[] b; (b = errors.poll()) != null;) {
              s.err().write(b);
            }
            s.err().flush();
          }
          Integer status = channel.getExitStatus();
          return status == null ? 1 : status;
        }
      }
    } finally {
      listener.close();
      client.stop();
      SshdLoader.restore(context);
    }
  }

  /**
   * Gives {@code client} I/O and timer threads of {@link Threads}. Left to MINA, they are made by this
   * command's thread and inherit its streams: a closed connection's warning then lands in the
   * command's output rather than the node's log.
   */
  private static void ownThreads(SshClient client) {
    client.setIoServiceFactoryFactory(new Nio2ServiceFactoryFactory(
        () -> new SshThreadPoolExecutor(2, 2, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
            Threads.numbered("warren-ssh-client-io"))));
    client.setScheduledExecutorService(
        Executors.newSingleThreadScheduledExecutor(Threads.named("warren-ssh-client-timer")), true);
  }

  /**
   * An authenticated session through the one-shot port; a failure says why where it is known (the
   * stream refused by the other node or its transport, a host key refused) rather than MINA's words.
   */
  private static ClientSession login(String node, SshClient client, String user, int port,
      Consumer<ClientSession> identity, AtomicReference<String> refused) throws IOException {
    ClientSession session = null;
    try {
      session = client.connect(user, "127.0.0.1", port).verify(WAIT).getSession();
      identity.accept(session);
      session.auth().verify(WAIT);
      return session;
    } catch (IOException | RuntimeException e) {
      // the key exchange was done (the host key accepted): the server refused the login itself
      boolean loginRefused = session != null && session.getServerKey() != null && !session.isAuthenticated();
      if (session != null) {
        session.close(true);
      }
      String why = refused.get();
      if (why != null) {
        throw new IllegalStateException(why, e);
      }
      if (loginRefused) {
        throw new LoginRefused(node + " refused the login as " + user + " (" + e.getMessage() + ")", e);
      }
      throw new IllegalStateException("no SSH session with " + node + ": " + e.getMessage() + " (the stream "
          + "was closed there: its SSH console is off, or it refuses logins from here)", e);
    }
  }

  /** The other node's SSH server refused the login (after the host key was accepted). */
  static final class LoginRefused extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    LoginRefused(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static ChannelShell shellChannel(ClientSession session, Optional<ShellCommands.Pty> pty) throws IOException {
    ChannelShell shell = session.createShellChannel();
    // without a terminal handed over (--pty), lines are read as they come, as ssh -T does
    shell.setUsePty(pty.isPresent());
    pty.ifPresent(p -> {
      shell.setPtyType(p.type());
      shell.setPtyColumns(p.columns());
      shell.setPtyLines(p.rows());
    });
    return shell;
  }

  /** Loopback port that splices the first connection to a new stream to {@code peer}, then closes. */
  private Channel oneShot(PeerRef peer, AtomicReference<String> refused) throws InterruptedException {
    List<Channel> self = new ArrayList<>(1);
    Channel listener = loops.spliceServer()
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Splice.hold()); // what the client sends before the splice starts
            synchronized (self) {
              if (self.isEmpty() || !self.get(0).isOpen()) {
                ch.close();
                return;
              }
              self.get(0).close(); // one connection only
            }
            directory.open(peer, OverlayShellHandler.PROTOCOL).whenComplete((stream, err) -> {
              if (err != null) {
                LOG.info("ssh: ssh:shell cannot reach {}: {}", peer.id(), err.toString());
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                    ? err.getCause() : err;
                refused.compareAndSet(null, "cannot open " + OverlayShellHandler.PROTOCOL + " to " + peer + ": "
                    + cause.getMessage());
                ch.close();
              } else if (!ch.isActive()) {
                stream.reset();
              } else {
                Splice.between(ch, stream.channel()).start();
              }
            });
          }
        }).bind("127.0.0.1", 0).sync().channel();
    synchronized (self) {
      self.add(listener);
    }
    return listener;
  }

  private static InputStream nonClosing(InputStream in) {
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() {
        // the console session's input stays open
      }
    };
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }
}
