package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.AdminAuthenticator;
import io.warren.api.CommandRunner;
import io.warren.store.internal.H2Store;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host key in the signed peer record: published while the server listens, and ssh:shell's
 * verifier against a real server, accepting the key only where the admin call's answer and the
 * record agree with what the server presents.
 */
class HostKeyAttributeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir Path dir;
  private H2Store store;
  private SshConsoleServer server;

  private final CommandRunner commands = new CommandRunner() {
    @Override
    public int execute(String line, InputStream in, PrintStream out, PrintStream err) {
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
      return new String(password).equals("secret");
    }

    @Override
    public String adminUser() {
      return "admin";
    }
  };

  @BeforeEach
  void open() {
    store = H2Store.open(dir);
  }

  @AfterEach
  void close() {
    if (server != null) {
      server.deactivate();
    }
    store.close();
  }

  private SshConsoleServer start(boolean enabled) throws Exception {
    return new SshConsoleServer(new Settings(enabled, "127.0.0.1", 0, true, 8, 8, 2, 3,
        Duration.ofSeconds(10), Duration.ofSeconds(60)), store, new AuthorizedKeyService(store), commands, admin,
        "test",
        Clock.systemUTC());
  }

  @Test
  void theFingerprintIsPublishedWhileTheServerListens() throws Exception {
    SshConsoleServer off = start(false);
    assertEquals(Map.of(), new HostKeyAttribute(off).attributes(), "no SSH to vouch for while off");
    off.deactivate();
    server = start(true);
    assertEquals(Map.of("ssh.hostkey", server.fingerprint()), new HostKeyAttribute(server).attributes());
  }

  @Test
  void theRecordsKeyMustBeTheOneAnsweredAndPresented() throws Exception {
    server = start(true);
    PublicKey real = ShellCommands.parseKey(server.hostKey(), "host key");
    KeyPair other = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    Optional<Map<String, String>> signed = Optional.of(Map.of("ssh.hostkey", server.fingerprint()));
    Optional<Map<String, String>> signedOther =
        Optional.of(Map.of("ssh.hostkey", KeyUtils.getFingerPrint(other.getPublic())));

    assertTrue(logsIn(HostKeyAttribute.verifier("q", real, signed)), "answer, record and server agree");
    assertTrue(logsIn(HostKeyAttribute.verifier("q", real, Optional.empty())), "no record: the answer alone");
    assertTrue(logsIn(HostKeyAttribute.verifier("q", real, Optional.of(Map.of()))), "a record without the key");

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> HostKeyAttribute.verifier("q", real, signedOther));
    assertTrue(e.getMessage().contains(server.fingerprint()) && e.getMessage().contains(signedOther.get().get(
        "ssh.hostkey")) && e.getMessage().contains("signed peer record"), e.getMessage());

    // the server presents a key that is neither the answered one nor the record's: refused in the handshake
    assertThrows(Exception.class, () -> logsIn(HostKeyAttribute.verifier("q", other.getPublic(), signedOther)));
    assertThrows(Exception.class, () -> logsIn(HostKeyAttribute.verifier("q", other.getPublic(), Optional.empty())));
  }

  @Test
  void aDevicesHostKeyMustBeTheOneItsAnnouncementNames() throws Exception {
    server = start(true);
    KeyPair other = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    java.util.List<String> refusals = new java.util.ArrayList<>();
    assertTrue(logsIn(HostKeyAttribute.deviceVerifier("dev", Optional.of(Map.of("ssh.hostkey", server.fingerprint())),
        refusals::add)), "the announced key");
    assertTrue(refusals.isEmpty(), refusals.toString());

    String otherPrint = KeyUtils.getFingerPrint(other.getPublic());
    assertThrows(Exception.class, () -> logsIn(HostKeyAttribute.deviceVerifier("dev", Optional.of(Map.of(
        "ssh.hostkey", otherPrint)), refusals::add)), "a key the announcement does not name is refused");
    assertEquals(1, refusals.size(), refusals.toString());
    assertTrue(refusals.get(0).contains(server.fingerprint()) && refusals.get(0).contains(otherPrint), refusals
        .toString());

    // nothing to check against: refused before connecting, not trusted on first use
    IllegalStateException none = assertThrows(IllegalStateException.class,
        () -> HostKeyAttribute.deviceVerifier("dev", Optional.empty(), refusals::add));
    assertTrue(none.getMessage().contains("no signed announcement"), none.getMessage());
    IllegalStateException noKey = assertThrows(IllegalStateException.class,
        () -> HostKeyAttribute.deviceVerifier("dev", Optional.of(Map.of()), refusals::add));
    assertTrue(noKey.getMessage().contains("names no SSH host key"), noKey.getMessage());
  }

  private boolean logsIn(ServerKeyVerifier verifier) throws Exception {
    SshClient client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier(verifier);
    client.start();
    try (ClientSession session =
        client.connect("admin", "127.0.0.1", server.address().orElseThrow().getPort()).verify(WAIT).getSession()) {
      session.addPasswordIdentity("secret");
      session.auth().verify(WAIT);
      return session.isAuthenticated();
    } finally {
      client.stop();
    }
  }
}
