package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.AdminAuthenticator;
import io.warren.api.AuthenticationException;
import io.warren.api.CommandRunner;
import io.warren.store.internal.H2Store;
import io.warren.testing.Await;
import io.warren.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server against MINA SSHD's client, with a command runner and an admin check of its own. */
class SshConsoleServerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private H2Store store;
  private AuthorizedKeyService keys;
  private SshConsoleServer server;
  private SshClient client;
  private final List<String> sources = new ArrayList<>();
  private final List<String> ran = new ArrayList<>();
  private final TestClock clock = new TestClock(Instant.ofEpochMilli(1_000_000));

  private final CommandRunner commands = new CommandRunner() {
    @Override
    public int execute(String line, InputStream in, PrintStream out, PrintStream err) {
      synchronized (ran) {
        ran.add(line);
      }
      if (line.equals("node:info")) {
        out.println("peer 12D3KooWtest");
        return 0;
      }
      err.println("unknown command: " + line);
      return 1;
    }

    @Override
    public Outcome run(List<String> words) {
      throw new UnsupportedOperationException();
    }
  };

  private final AdminAuthenticator admin = new AdminAuthenticator() {
    @Override
    public boolean authenticate(String user, char[] password, String source) {
      synchronized (sources) {
        sources.add(source);
      }
      if (new String(password).equals("locked")) {
        throw new AuthenticationException("locked for 1 s");
      }
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
    keys = new AuthorizedKeyService(store);
    client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
    client.start();
  }

  @AfterEach
  void close() throws IOException {
    client.stop();
    if (server != null) {
      server.deactivate();
    }
    store.close();
  }

  private SshConsoleServer start(boolean enabled, int maxSessions) throws IOException {
    return start(enabled, maxSessions, Duration.ofSeconds(10));
  }

  private SshConsoleServer start(boolean enabled, int maxSessions, Duration authTimeout) throws IOException {
    Settings s = new Settings(enabled, "127.0.0.1", 0, true, maxSessions, maxSessions,
        2, 3, authTimeout, Duration.ofSeconds(60));
    return new SshConsoleServer(s, store, keys, commands, admin, "test",
        clock);
  }

  private ClientSession connect(String user) throws IOException {
    int port = server.address().orElseThrow().getPort();
    return client.connect(user, "127.0.0.1", port).verify(WAIT).getSession();
  }

  private static String[] exec(ClientSession session, String line, int[] status) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ChannelExec ch = session.createExecChannel(line)) {
      ch.setOut(out);
      ch.setErr(err);
      ch.open().verify(WAIT);
      ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
      status[0] = ch.getExitStatus() == null ? -1 : ch.getExitStatus();
    }
    return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void aCommandRunsWithThePasswordAndReturnsItsStatus() throws Exception {
    server = start(true, 8);
    try (ClientSession session = connect("admin")) {
      session.addPasswordIdentity("secret");
      session.auth().verify(WAIT);
      int[] status = {-1};
      String[] ok = exec(session, "node:info", status);
      assertEquals("peer 12D3KooWtest\n", ok[0]);
      assertEquals(0, status[0]);
      String[] bad = exec(session, "no:such", status);
      assertEquals("unknown command: no:such\n", bad[1]);
      assertEquals(1, status[0]);
    }
    assertEquals(List.of("ip 127.0.0.1"), sources, "the login limits see the address, never the port");
  }

  @Test
  void aWrongPasswordOrAnotherUserIsRefused() throws Exception {
    server = start(true, 8);
    for (String[] up : new String[][] {{"admin", "wrong"}, {"root", "secret"}, {"admin", "locked"}}) {
      try (ClientSession session = connect(up[0])) {
        session.addPasswordIdentity(up[1]);
        assertThrows(Exception.class, () -> session.auth().verify(WAIT), up[0] + ":" + up[1]);
      }
    }
    assertTrue(ran.isEmpty());
  }

  @Test
  void anAuthorisedKeyLogsInAndAnUnknownOneDoesNot() throws Exception {
    server = start(true, 8);
    KeyPair known = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    KeyPair unknown = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    keys.add(PublicKeyEntry.toString(known.getPublic()) + " me@laptop");
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(known);
      session.auth().verify(WAIT);
      int[] status = {-1};
      assertEquals("peer 12D3KooWtest\n", exec(session, "node:info", status)[0]);
    }
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(unknown);
      assertThrows(Exception.class, () -> session.auth().verify(WAIT));
    }
    try (ClientSession session = connect("root")) {
      session.addPublicKeyIdentity(known);
      assertThrows(Exception.class, () -> session.auth().verify(WAIT), "the key is the admin's only");
    }
    keys.remove("me@laptop");
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(known);
      assertThrows(Exception.class, () -> session.auth().verify(WAIT), "a removed key no longer logs in");
    }
  }

  @Test
  void aTicketsKeyLogsInOnce() throws Exception {
    Settings s = new Settings(true, "127.0.0.1", 0, false, 8, 8, 2, 3,
        Duration.ofSeconds(10), Duration.ofSeconds(60));
    server = new SshConsoleServer(s, store, keys, commands, admin, "test", clock);
    KeyPair once = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    server.ticket("12D3KooWcaller", once.getPublic());
    assertTrue(server.expects("12D3KooWcaller"));
    assertFalse(server.expects("12D3KooWother"));
    assertEquals(1, server.tickets());
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(once);
      session.auth().verify(WAIT);
      int[] status = {-1};
      assertEquals("peer 12D3KooWtest\n", exec(session, "node:info", status)[0]);
    }
    assertEquals(0, server.tickets(), "used up");
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(once);
      assertThrows(Exception.class, () -> session.auth().verify(WAIT), "a ticket logs in once");
    }
    assertTrue(keys.list().isEmpty(), "the ticket's key never was an authorised key");
  }

  @Test
  void anUnusedTicketExpires() throws Exception {
    server = start(true, 8);
    KeyPair once = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    server.ticket("12D3KooWcaller", once.getPublic());
    clock.advance(Tickets.TTL);
    assertEquals(0, server.tickets());
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(once);
      assertThrows(Exception.class, () -> session.auth().verify(WAIT));
    }
  }

  @Test
  void theTicketAnswerParses() throws Exception {
    server = start(true, 8);
    ShellCommands.Ticket t = ShellCommands.Ticket.parse("q", server.adminUser() + " " + server.hostKey() + "\n");
    assertEquals("admin", t.user());
    assertTrue(KeyUtils.compareKeys(t.hostKey(), ShellCommands.parseKey(server.hostKey(), "host key")));
    assertThrows(IllegalStateException.class, () -> ShellCommands.Ticket.parse("q", "admin"));
    assertThrows(IllegalArgumentException.class, () -> ShellCommands.Ticket.parse("q", "admin ssh-ed25519 A"));
  }

  @Test
  void noTicketWhileTheServerIsOff() throws Exception {
    server = start(false, 8);
    PublicKey k = KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic();
    assertThrows(IllegalStateException.class, () -> server.ticket("12D3KooWcaller", k));
  }

  @Test
  void refusedKeysLockTheSourceOutWithAGrowingDelay() throws Exception {
    server = start(true, 8);
    KeyPair known = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    keys.add(PublicKeyEntry.toString(known.getPublic()) + " me@laptop");
    for (int i = 0; i < KeyFailures.FREE; i++) {
      try (ClientSession session = connect("admin")) {
        session.addPublicKeyIdentity(KeyUtils.generateKeyPair("ssh-ed25519", 256));
        assertThrows(Exception.class, () -> session.auth().verify(WAIT), "unknown key " + i);
      }
    }
    // locked: even the authorised key and the right password are refused, unchecked
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(known);
      session.addPasswordIdentity("secret");
      assertThrows(Exception.class, () -> session.auth().verify(WAIT), "the source is locked");
    }
    assertTrue(sources.isEmpty(), "no password was checked while locked: " + sources);
    clock.advance(KeyFailures.FIRST);
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(known);
      session.auth().verify(WAIT);
    }
    // the login cleared the source: one more unknown key does not lock it
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(KeyUtils.generateKeyPair("ssh-ed25519", 256));
      assertThrows(Exception.class, () -> session.auth().verify(WAIT));
    }
    try (ClientSession session = connect("admin")) {
      session.addPublicKeyIdentity(known);
      session.auth().verify(WAIT);
    }
  }

  @Test
  void aLockoutDoublesUpToItsMaximumAndIsForgotten() {
    KeyFailures f = new KeyFailures(clock);
    for (int i = 1; i < KeyFailures.FREE; i++) {
      assertEquals(0, f.failed("ip 192.0.2.1"));
    }
    assertEquals(1_000, f.failed("ip 192.0.2.1"));
    assertEquals(2_000, f.failed("ip 192.0.2.1"));
    assertEquals(4_000, f.failed("ip 192.0.2.1"));
    assertEquals(4_000, f.locked("ip 192.0.2.1"));
    assertEquals(0, f.locked("ip 192.0.2.2"), "another source is not locked");
    for (int i = 0; i < 40; i++) {
      f.failed("ip 192.0.2.1");
    }
    assertEquals(KeyFailures.MAX.toMillis(), f.locked("ip 192.0.2.1"));
    clock.advance(KeyFailures.FORGET.plusMillis(1));
    assertEquals(0, f.locked("ip 192.0.2.1"));
    assertEquals(0, f.failed("ip 192.0.2.1"), "failures an hour old are forgotten");
  }

  @Test
  void portForwardingIsRefused() throws Exception {
    server = start(true, 8);
    try (ClientSession session = connect("admin")) {
      session.addPasswordIdentity("secret");
      session.auth().verify(WAIT);
      var channel = session.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 1),
          new SshdSocketAddress("127.0.0.1", 22));
      assertThrows(Exception.class, () -> channel.open().verify(WAIT));
    }
  }

  @Test
  void connectionsOverTheLimitAreClosed() throws Exception {
    server = start(true, 2);
    try (ClientSession a = connect("admin"); ClientSession b = connect("admin")) {
      Await.until(WAIT, () -> server.sessions() == 2, "two connections counted");
      long start = System.nanoTime();
      ClientSession c = null;
      try {
        c = connect("admin");
        Await.until(WAIT, c::isClosed, "the server to close a connection over the limit");
      } catch (IOException e) {
        // closed before the client even saw its version line
      } finally {
        if (c != null) {
          c.close();
        }
      }
      assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0,
          "closed at once, not at a timeout");
      assertEquals(2, server.sessions());
    }
    Await.until(WAIT, () -> server.sessions() == 0, "closed connections no longer counted");
    try (ClientSession c = connect("admin")) {
      c.addPasswordIdentity("secret");
      c.auth().verify(WAIT);
    }
  }

  @Test
  void aUserHasAtMostItsShareOfLoggedInConnections() throws Exception {
    server = start(true, 8);
    try (ClientSession a = connect("admin"); ClientSession b = connect("admin"); ClientSession c = connect("admin")) {
      for (ClientSession s : List.of(a, b)) {
        s.addPasswordIdentity("secret");
        s.auth().verify(WAIT);
      }
      c.addPasswordIdentity("secret");
      assertThrows(Exception.class, () -> c.auth().verify(WAIT), "a third login of the same user is refused");
    }
  }

  @Test
  void aConnectionThatDoesNotLogInIsClosed() throws Exception {
    server = start(true, 8, Duration.ofSeconds(1));
    try (ClientSession idle = connect("admin")) {
      Await.until(WAIT, idle::isClosed, "the server to close a connection that did not log in");
    }
    Await.until(WAIT, () -> server.sessions() == 0, "the closed connection no longer counted");
  }

  @Test
  void theHostKeyIsCreatedOnceAndKeptWhenOff() throws Exception {
    SshConsoleServer off = start(false, 8);
    assertTrue(off.address().isEmpty(), "off unless enabled");
    String fingerprint = off.fingerprint();
    assertTrue(fingerprint.matches("SHA256:[A-Za-z0-9+/]{43}"), fingerprint);
    assertTrue(off.hostKey().startsWith("ssh-ed25519 "), off.hostKey());
    String client = off.clientKey();
    assertTrue(client.startsWith("ssh-ed25519 ") && !client.equals(off.hostKey()), "a client key of its own: "
        + client);
    off.deactivate();
    server = start(true, 8);
    assertEquals(fingerprint, server.fingerprint(), "the same key after a restart");
    assertEquals(client, server.clientKey(), "the same client key after a restart");
    store.close();
    Path other = dir.resolve("other");
    store = H2Store.open(other);
    SshConsoleServer elsewhere = start(false, 8);
    assertNotEquals(fingerprint, elsewhere.fingerprint(), "another node has another key");
    elsewhere.deactivate();
    assertFalse(fingerprint.isEmpty());
  }
}
