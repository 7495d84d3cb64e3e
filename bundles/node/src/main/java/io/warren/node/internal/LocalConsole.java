package io.warren.node.internal;

import io.warren.api.AdminAuthenticator;
import io.warren.api.AuthenticationException;
import io.warren.api.CommandRunner;
import io.warren.api.NodeProperties;
import io.warren.api.SecretFile;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoint behind {@code warren client}: a loopback TCP port that runs one console command per
 * connection. Its port and a fresh random token are written to {@code <data>/run/console}
 * (mode 0600), so whoever can read the data directory can run commands, like the node's owner; a
 * caller without the token may authenticate with the admin credentials instead, within the login
 * limits of the OS user that owns the connecting socket (not of its port, which is fresh each time).
 *
 * <p>Wire format (both sides in {@code DataOutputStream} encoding): request = magic
 * {@value #MAGIC}, kind ({@code token} or {@code password}), then the token, or the user and
 * password, then the command line. Response = frames: {@code 'O'} or {@code 'E'} + int length +
 * bytes of standard output or error, {@code 'P'} + int length + a progress line (shown in place
 * on a terminal; a client that knows no 'P' prints it as output), then {@code 'X'} + int exit status.
 *
 * <p>Standard input (for streaming commands such as {@code relay:pipe}): when a command first reads
 * its input the node sends {@code 'R'} + int 0 ("send your standard input"); the client then sends
 * {@code 'I'} + int length + bytes frames, and {@code 'I'} + int 0 at end of input. Older clients
 * print the empty 'R' frame as nothing and never send input: such a command sees its input block
 * until the client goes away, and commands that do not read input are unchanged.
 */
@Component(immediate = true)
public final class LocalConsole {
  private static final Logger LOG = LoggerFactory.getLogger(LocalConsole.class);
  static final String MAGIC = "WARREN-CONSOLE-1";
  static final int MAX_COMMAND_BYTES = 1 << 20;
  private static final int AUTH_TIMEOUT_MS = 10_000;
  /** Connections served at once (each holds a thread while its command runs); more are refused as busy. */
  static final int MAX_CONNECTIONS = 64;
  /**
   * Connections one source (OS user) may have still authenticating: another local user holding
   * silent connections cannot take every slot from the node's owner.
   */
  static final int MAX_UNAUTHENTICATED_PER_SOURCE = 8;

  private final io.warren.api.CommandRunner commands;
  private final AdminAuthenticator authenticator;
  private final Path file;
  private final byte[] token;
  private final ServerSocket server;
  private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;
  private final AtomicLong lastBusyWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
  private final AtomicLong lastSourceWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final ConcurrentMap<String, AtomicInteger> authenticating = new ConcurrentHashMap<>();
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "warren-console");
    t.setDaemon(true);
    return t;
  });

  @Activate
  public LocalConsole(BundleContext context, @Reference io.warren.api.CommandRunner commands,
      @Reference AdminAuthenticator authenticator) throws IOException {
    this.commands = commands;
    this.authenticator = authenticator;
    this.file = Path.of(context.getProperty(NodeProperties.DATA_DIR)).resolve("run").resolve("console");
    this.token = new byte[32];
    new SecureRandom().nextBytes(token);
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    writeFile();
    workers.execute(this::acceptLoop);
  }

  private void writeFile() throws IOException {
    Path dir = file.getParent();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    SecretFile.write(file, "port=" + server.getLocalPort() + "\ntoken=" + HexFormat.of().formatHex(token)
        + "\npid=" + ProcessHandle.current().pid() + "\n", false);
  }

  @Deactivate
  void close() throws IOException {
    server.close();
    workers.shutdownNow();
    Files.deleteIfExists(file);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        if (!slots.tryAcquire()) {
          if (warnNow(lastBusyWarning)) {
            LOG.warn("Console endpoint: {} connections open; refusing more (logged once per {} s)", MAX_CONNECTIONS,
                WARN_INTERVAL_NANOS / 1_000_000_000L);
          }
          refuse(s, "console busy: " + MAX_CONNECTIONS + " connections open");
          continue;
        }
        workers.execute(() -> {
          try {
            serve(s);
          } finally {
            slots.release();
          }
        });
      } catch (SocketException e) {
        return; // closed
      } catch (IOException e) {
        LOG.warn("Console endpoint: accept failed", e);
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setSoTimeout(AUTH_TIMEOUT_MS);
      // the OS user, not the port: a client picks a fresh port for every connection
      String source = PeerUser.uid(socket.getPort(), socket.getLocalPort()).map(uid -> "local user " + uid)
          .orElse("local");
      AtomicInteger pending = authenticating.computeIfAbsent(source, k -> new AtomicInteger());
      if (pending.incrementAndGet() > MAX_UNAUTHENTICATED_PER_SOURCE) {
        pending.decrementAndGet();
        if (warnNow(lastSourceWarning)) {
          LOG.warn("Console endpoint: {} has {} connections still authenticating; refusing more (logged once per {} s)",
              source, MAX_UNAUTHENTICATED_PER_SOURCE, WARN_INTERVAL_NANOS / 1_000_000_000L);
        }
        refused(socket, "console busy: too many connections of " + source + " still authenticating", 2);
        return;
      }
      String line;
      try {
        line = authenticate(socket, source);
      } finally {
        pending.decrementAndGet();
      }
      if (line != null) {
        socket.setSoTimeout(0);
        DataOutputStream out = out(socket);
        run(line, new FrameInput(new DataInputStream(socket.getInputStream()), out), out);
      }
    } catch (IOException | IllegalArgumentException e) {
      LOG.debug("Console connection ended: {}", e.toString());
    }
  }

  /** Whether a refusal warning may be logged now: a flood must not flood the log too. */
  private static boolean warnNow(AtomicLong lastWarning) {
    long last = lastWarning.get();
    long now = System.nanoTime();
    return now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now);
  }

  private static DataOutputStream out(Socket socket) throws IOException {
    return new DataOutputStream(socket.getOutputStream());
  }

  /** Refuses {@code socket} without a worker thread: the answer fits the socket buffer, then it is closed. */
  private static void refuse(Socket socket, String why) {
    try (socket) {
      socket.setSoLinger(true, 1);
      fail(out(socket), why, 2);
      socket.shutdownOutput();
    } catch (IOException e) {
      LOG.debug("Console connection ended: {}", e.toString());
    }
  }

  /**
   * Reads the greeting, the credentials and the command line; answers and lingers on a refusal.
   * The command line, or null if refused.
   */
  private String authenticate(Socket socket, String source) throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    DataOutputStream out = out(socket);
    if (!MAGIC.equals(in.readUTF())) {
      return refused(socket, "not a Warren console client", 2);
    }
    String kind = in.readUTF();
    boolean ok;
    if ("token".equals(kind)) {
      byte[] given = HexFormat.of().parseHex(in.readUTF());
      ok = MessageDigest.isEqual(given, token);
    } else if ("password".equals(kind)) {
      String user = in.readUTF();
      char[] password = in.readUTF().toCharArray();
      try {
        ok = authenticator.authenticate(user, password, source);
      } catch (AuthenticationException e) {
        return refused(socket, e.getMessage(), 3);
      }
    } else {
      return refused(socket, "unknown authentication kind '" + kind + "'", 2);
    }
    if (!ok) {
      return refused(socket, "authentication failed", 3);
    }
    int length = in.readInt();
    if (length < 0 || length > MAX_COMMAND_BYTES) {
      return refused(socket, "command longer than " + MAX_COMMAND_BYTES + " bytes", 2);
    }
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static String refused(Socket socket, String message, int status) throws IOException {
    fail(out(socket), message, status);
    linger(socket);
    return null;
  }

  private void run(String line, InputStream stdin, DataOutputStream out) throws IOException {
    PrintStream stdout = new PrintStream(new FrameStream(out, 'O'), true, StandardCharsets.UTF_8);
    PrintStream stderr = new PrintStream(new FrameStream(out, 'E'), true, StandardCharsets.UTF_8);
    // progress goes out as 'P' frames: the client draws it in place on a terminal, as lines otherwise
    Consumer<String> progress = text -> {
      byte[] b = (text + "\n").getBytes(StandardCharsets.UTF_8);
      try {
        synchronized (out) {
          out.writeByte('P');
          out.writeInt(b.length);
          out.write(b);
          out.flush();
        }
      } catch (IOException e) {
        // the client went away; the command ends on its next write
      }
    };
    int status = commands.execute(line, stdin, stdout, stderr, Map.of(CommandRunner.PROGRESS, progress));
    synchronized (out) {
      out.writeByte('X');
      out.writeInt(status);
      out.flush();
    }
  }

  private static void fail(DataOutputStream out, String message, int status) throws IOException {
    byte[] b = (message + "\n").getBytes(StandardCharsets.UTF_8);
    out.writeByte('E');
    out.writeInt(b.length);
    out.write(b);
    out.writeByte('X');
    out.writeInt(status);
    out.flush();
  }

  /**
   * Ends a refused connection so that the client reads the refusal: what it sent and we did not
   * read (its command) would turn our close into a TCP reset, which can discard the answer before the
   * client reads it. So the output ends first, then up to 64 KiB of input are taken for at most a second.
   */
  private static void linger(Socket socket) {
    try {
      socket.shutdownOutput();
      socket.setSoTimeout(1000);
      InputStream in = socket.getInputStream();
      byte[] sink = new byte[4096];
      for (int total = 0; total < 65536;) {
        int n = in.read(sink);
        if (n < 0) {
          break;
        }
        total += n;
      }
    } catch (IOException e) {
      // the client went away or kept sending: close it as it is
    }
  }

  /** The client's standard input, asked for on the first read, as 'I' frames. */
  static final class FrameInput extends InputStream {
    private final DataInputStream in;
    private final DataOutputStream out;
    private boolean asked;
    private boolean eof;
    private int remaining;

    FrameInput(DataInputStream in, DataOutputStream out) {
      this.in = in;
      this.out = out;
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!asked) {
        asked = true;
        synchronized (out) {
          out.writeByte('R');
          out.writeInt(0);
          out.flush();
        }
      }
      while (remaining == 0) {
        if (eof) {
          return -1;
        }
        int kind;
        try {
          kind = in.readUnsignedByte();
        } catch (java.io.EOFException e) {
          eof = true;
          return -1;
        }
        int n = in.readInt();
        if (kind != 'I' || n < 0) {
          throw new IOException("console: expected an input frame, got '" + (char) kind + "'");
        }
        if (n == 0) {
          eof = true;
        }
        remaining = n;
      }
      int n = in.read(b, off, Math.min(len, remaining));
      if (n < 0) {
        eof = true;
        remaining = 0;
        return -1;
      }
      remaining -= n;
      return n;
    }
  }

  /** Sends what is written as frames of one kind. */
  private static final class FrameStream extends OutputStream {
    private final DataOutputStream out;
    private final char kind;

    FrameStream(DataOutputStream out, char kind) {
      this.out = out;
      this.kind = kind;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      synchronized (out) {
        out.writeByte(kind);
        out.writeInt(len);
        out.write(b, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      synchronized (out) {
        out.flush();
      }
    }
  }
}
