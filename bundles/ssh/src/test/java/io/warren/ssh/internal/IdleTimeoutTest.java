package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.AdminAuthenticator;
import io.warren.api.CommandRunner;
import io.warren.store.internal.H2Store;
import io.warren.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code idle.timeout.seconds}: a logged-in connection without traffic is closed, one in use is not. */
class IdleTimeoutTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @TempDir Path dir;
  private H2Store store;
  private SshConsoleServer server;
  private SshClient client;
  private final AtomicInteger ran = new AtomicInteger();

  private final CommandRunner commands = new CommandRunner() {
    @Override
    public int execute(String line, InputStream in, PrintStream out, PrintStream err) {
      out.println("ran " + ran.incrementAndGet());
      return 0;
    }

    @Override
    public Outcome run(List<String> words) {
      throw new UnsupportedOperationException();
    }
  };

  private final AdminAuthenticator admin = new AdminAuthenticator() {
    @Override
    public boolean authenticate(String user, char[] password, String source) {
      return user.equals("admin") && new String(password).equals("secret");
    }

    @Override
    public String adminUser() {
      return "admin";
    }
  };

  @BeforeEach
  void open() throws Exception {
    store = H2Store.open(dir);
    // the smallest timeout the configuration allows (idle.timeout.seconds = 1)
    server = new SshConsoleServer(new Settings(true, "127.0.0.1", 0, true, 8, 8, 4, 3,
        Duration.ofSeconds(10), Duration.ofSeconds(1)), store, new AuthorizedKeyService(store), commands, admin,
        "test", Clock.systemUTC());
    client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
    client.start();
  }

  @AfterEach
  void close() {
    client.stop();
    server.deactivate();
    store.close();
  }

  private ClientSession login() throws Exception {
    ClientSession s = client.connect("admin", "127.0.0.1", server.address().orElseThrow().getPort()).verify(WAIT)
        .getSession();
    s.addPasswordIdentity("secret");
    s.auth().verify(WAIT);
    return s;
  }

  private static String exec(ClientSession session) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ChannelExec ch = session.createExecChannel("node:info")) {
      ch.setOut(out);
      ch.open().verify(WAIT);
      ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anIdleConnectionIsClosedAndABusyOneIsNot() throws Exception {
    try (ClientSession idle = login(); ClientSession busy = login()) {
      assertEquals(2, server.sessions());
      int before = ran.get();
      // the busy connection runs a command every 100 ms (gaps well under the timeout) until the idle one is closed
      Await.until(WAIT, Duration.ofMillis(100), () -> {
        assertTrue(exec(busy).startsWith("ran "), "the busy connection still serves commands");
        return idle.isClosed();
      }, "the server to close the connection without traffic");
      // how many fit into the timeout depends on the machine's load: at least one did, and it stays open
      assertTrue(ran.get() - before >= 1, "the busy connection ran commands all along: " + (ran.get() - before));
      assertFalse(busy.isClosed(), "a connection in use is not closed for idleness");
      assertTrue(exec(busy).startsWith("ran "));
      Await.until(WAIT, () -> server.sessions() == 1, "the closed connection no longer counted");
    }
  }
}
