package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.AdminAuthenticator;
import io.warren.api.CommandRunner;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.store.internal.H2Store;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stream side of ssh:shell: only a peer holding a live ticket gets through to the server. */
class OverlayShellHandlerTest {
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
      return false;
    }

    @Override
    public String adminUser() {
      return "admin";
    }
  };

  @AfterEach
  void close() {
    if (server != null) {
      server.deactivate();
    }
    store.close();
  }

  private SshConsoleServer start(boolean enabled) throws Exception {
    return start(enabled, false);
  }

  private SshConsoleServer start(boolean enabled, boolean deviceLogins) throws Exception {
    store = H2Store.open(dir);
    Settings s = new Settings(enabled, "127.0.0.1", 0, true, 8, 8, 2, 3,
        Duration.ofSeconds(10), Duration.ofSeconds(60)).withDeviceLogins(deviceLogins);
    return new SshConsoleServer(s, store, new AuthorizedKeyService(store), commands, admin, "test",
        Clock.systemUTC());
  }

  private static Stream stream(Channel channel, String peer) {
    return stream(channel, new PeerRef(PeerRef.LIBP2P, peer));
  }

  private static Stream stream(Channel channel, PeerRef peer) {
    return io.warren.testing.StreamProbes.over(channel, peer, OverlayShellHandler.PROTOCOL);
  }

  @Test
  void aPeerWithoutATicketIsReset() throws Exception {
    server = start(true);
    server.ticket("12D3KooWholder", org.apache.sshd.common.config.keys.KeyUtils.generateKeyPair("ssh-ed25519", 256)
        .getPublic());
    EmbeddedChannel ch = new EmbeddedChannel();
    new OverlayShellHandler(server, null).handle(stream(ch, "12D3KooWother"));
    ch.runPendingTasks();
    assertFalse(ch.isOpen(), "a peer without a ticket gets no connection to the server");
  }

  @Test
  void aNostrDeviceIsResetUnlessDeviceLoginsAreOn() throws Exception {
    server = start(true);
    assertFalse(server.deviceLogins(), "off unless configured");
    PeerRef device = new PeerRef(PeerRef.NOSTR, "ab".repeat(32));
    // even a ticket issued under the device's key (tickets name libp2p peers) lets no device stream in
    server.ticket(device.id(), org.apache.sshd.common.config.keys.KeyUtils.generateKeyPair("ssh-ed25519", 256)
        .getPublic());
    EmbeddedChannel ch = new EmbeddedChannel();
    new OverlayShellHandler(server, null).handle(stream(ch, device));
    ch.runPendingTasks();
    assertFalse(ch.isOpen(), "device.logins = false: a device's stream gets no connection to the server");
  }

  @Test
  void nothingGetsThroughWhileTheServerIsOff() throws Exception {
    server = start(false);
    EmbeddedChannel ch = new EmbeddedChannel();
    new OverlayShellHandler(server, null).handle(stream(ch, "12D3KooWholder"));
    ch.runPendingTasks();
    assertFalse(ch.isOpen());
    assertTrue(server.address().isEmpty());
  }
}
