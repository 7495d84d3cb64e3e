package io.warren.ssh.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerAttributes;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.Splice;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ssh:shell --node <peer>}: the console of another node of the network, through the overlay.
 * It makes a fresh ed25519 key pair and runs {@code ssh:ticket <this node> <its public key>} there
 * as an admin call (so with that node's admin authorisation: a standing
 * {@code net:trust <this node> admin} grant, or {@code --credentials}), which lets that key log in
 * once and answers the admin user and the SSH host key; opens a {@value OverlayShellHandler#PROTOCOL}
 * stream to that node, spliced to a one-shot loopback port here; and logs in over it with the key, with MINA
 * SSHD's client, accepting only that host key. The host key comes over the admin call, whose peer
 * the transport authenticated (Noise), not from the first connection; where this node holds that
 * node's signed peer record with an {@code ssh.hostkey}, the key must also be the one named there
 * ({@link HostKeyAttribute#check}).
 */
@Component(service = ShellCommands.class, property = {
    "osgi.command.scope=ssh",
    "osgi.command.function=shell",
    "osgi.command.function=ticket"})
public final class ShellCommands {
  private static final Logger LOG = LoggerFactory.getLogger(ShellCommands.class);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final SshConsoleServer server;
  private final PeerDirectory directory;
  private final NodeIdentity identity;
  private final EventLoops loops;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile RemoteAdmin remote;
  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile PeerAttributes records;

  @Activate
  public ShellCommands(@Reference SshConsoleServer server, @Reference PeerDirectory directory,
      @Reference NodeIdentity identity, @Reference EventLoops loops) {
    this.server = server;
    this.directory = directory;
    this.identity = identity;
    this.loops = loops;
  }

  @Descriptor("For ssh:shell: lets <peer> log in once with <public key> within a minute, and answers the "
      + "admin user and this node's host key (run by the other node as an admin call)")
  public String ticket(@Descriptor("the peer ID that will log in") String peer,
      @Descriptor("its one-time public key, as an OpenSSH line (ssh-ed25519 AAAA...)") String... key) {
    // nothing logged here: what a command logs on its thread lands in its output (Gogo's ThreadIO)
    server.ticket(peer, parseKey(String.join(" ", key), "the ticket's key"));
    return server.adminUser() + " " + server.hostKey();
  }

  /** A public key from an OpenSSH line, with sshd's providers. */
  static PublicKey parseKey(String line, String what) {
    ClassLoader context = SshdLoader.enter();
    try {
      return PublicKeyEntry.parsePublicKeyEntry(line.strip()).resolvePublicKey(null, null, null);
    } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(what + " does not parse: " + e.getMessage(), e);
    } finally {
      SshdLoader.restore(context);
    }
  }

  @Descriptor("Opens the console of another node of the network through the overlay (needs its admin "
      + "authorization); reads lines from the input, or runs the given command there")
  public void shell(CommandSession session,
      @Descriptor("the node: a node name or a peer ID") @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor("that node's admin credentials, user:password (else its standing grant)") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("a terminal's type and size, TERM:COLSxROWS: the session gets a PTY of that kind (as "
          + "warren client shell asks from a terminal)") @Parameter(names = {"--pty"}, absentValue = "") String pty,
      @Descriptor("a command to run there instead of reading lines") String... command) throws Exception {
    if (node.isEmpty()) {
      throw new IllegalArgumentException("ssh:shell needs --node <name or peer ID>");
    }
    ptyOf(pty); // a bad --pty is refused before anything is asked of the other node
    RemoteAdmin r = remote;
    if (r == null) {
      throw new IllegalStateException("ssh:shell needs the federation bundle, which is not running");
    }
    PeerRef peer = directory.resolve(node);
    if (peer.id().equals(identity.peerId())) {
      throw new IllegalArgumentException(node + " is this node");
    }
    KeyPair key = oneTimeKey();
    List<String> call = new ArrayList<>(List.of("ssh:ticket", identity.peerId()));
    call.addAll(List.of(PublicKeyEntry.toString(key.getPublic()).split(" ")));
    Ticket ticket = Ticket.parse(node, r.runAndWait(peer.id(), call, credentials, WAIT));
    PeerAttributes a = records;
    ServerKeyVerifier verifier =
        HostKeyAttribute.verifier(node, ticket.hostKey(), a == null ? Optional.empty() : a.of(peer));
    int status = open(peer, ticket.user(), key, verifier, String.join(" ", command), ptyOf(pty),
        session.getKeyboard(), session.getConsole(), System.err);
    if (status != 0) {
      throw new IllegalStateException("the session on " + node + " ended with status " + status);
    }
  }

  /** What {@code ssh:ticket} answered: the user to log in as and the node's host key. */
  record Ticket(String user, PublicKey hostKey) {
    static Ticket parse(String node, String answer) {
      String[] lines = answer.strip().split("\n");
      String[] parts = lines[lines.length - 1].strip().split("\\s+", 2);
      if (parts.length < 2) {
        throw new IllegalStateException(node + " answered no ssh:shell ticket");
      }
      return new Ticket(parts[0], parseKey(parts[1], node + "'s host key"));
    }
  }

  /** A fresh ed25519 key pair, for one login. */
  private static KeyPair oneTimeKey() throws java.security.GeneralSecurityException {
    ClassLoader context = SshdLoader.enter();
    try {
      return KeyUtils.generateKeyPair("ssh-ed25519", 256);
    } finally {
      SshdLoader.restore(context);
    }
  }

  /** A terminal's type and size, for the remote PTY. */
  record Pty(String type, int columns, int rows) {}

  /** {@code --pty TERM:COLSxROWS}, checked; empty for none. */
  static Optional<Pty> ptyOf(String spec) {
    if (spec == null || spec.isEmpty()) {
      return Optional.empty();
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("([A-Za-z0-9._+-]{1,64}):([0-9]{1,5})x([0-9]{1,5})").matcher(spec);
    if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(3)) < 1) {
      throw new IllegalArgumentException("--pty expects TERM:COLSxROWS (e.g. xterm-256color:80x24), got '" + spec
          + "'");
    }
    return Optional.of(new Pty(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
  }

  private int open(PeerRef peer, String user, KeyPair key, ServerKeyVerifier hostKey, String command,
      Optional<Pty> pty, InputStream in, OutputStream out, OutputStream err) throws Exception {
    Channel listener = oneShot(peer);
    int port = ((InetSocketAddress) listener.localAddress()).getPort();
    ClassLoader context = SshdLoader.enter();
    SshClient client = SshClient.setUpDefaultClient();
    try {
      client.setServerKeyVerifier(hostKey);
      client.start();
      try (ClientSession session = client.connect(user, "127.0.0.1", port).verify(WAIT).getSession()) {
        session.addPublicKeyIdentity(key);
        session.auth().verify(WAIT);
        try (ClientChannel channel = command.isBlank() ? shellChannel(session, pty)
            : session.createExecChannel(command)) {
          if (command.isBlank()) {
            channel.setIn(nonClosing(in));
          }
          channel.setOut(nonClosing(out));
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
              err.write(b);
            }
            err.flush();
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

  private static ChannelShell shellChannel(ClientSession session, Optional<Pty> pty) throws IOException {
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
  private Channel oneShot(PeerRef peer) throws InterruptedException {
    List<Channel> self = new ArrayList<>(1);
    Channel listener = loops.serverBootstrap()
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
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
