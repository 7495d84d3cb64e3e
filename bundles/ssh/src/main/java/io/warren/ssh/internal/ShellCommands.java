package io.warren.ssh.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.PeerAttributes;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.api.channel.EventLoops;
import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.FieldOption;
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
 *
 * <p>A Nostr device ({@code nostr:} peer, reached through a relay) has no remote admin to issue a
 * ticket: the caller gives the device's admin login ({@code --credentials}), sent as SSH password
 * authentication over the same kind of stream, or logs in with this node's client key where the
 * device authorised it; the host key must be the one the device's signed announcement names
 * ({@link HostKeyAttribute#deviceVerifier}); the device lets such streams in only where its
 * {@code device.logins} is on ({@link OverlayShellHandler}).
 */
@Component(service = ShellCommands.class, property = {
    "osgi.command.scope=ssh",
    "osgi.command.function=shell",
    "osgi.command.function=ticket"})
public final class ShellCommands {
  private static final Logger LOG = LoggerFactory.getLogger(ShellCommands.class);
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** Who logs in to a device with this node's client key unless {@code --credentials <user>} says. */
  static final String DEVICE_USER = "admin";

  private final SshConsoleServer server;
  private final PeerDirectory directory;
  private final NodeIdentity identity;
  private final OverlaySession sessions;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile RemoteAdmin remote;
  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      fieldOption = FieldOption.UPDATE) private final List<PeerAttributes> records = new CopyOnWriteArrayList<>();

  @Activate
  public ShellCommands(@Reference SshConsoleServer server, @Reference PeerDirectory directory,
      @Reference NodeIdentity identity, @Reference EventLoops loops) {
    this.server = server;
    this.directory = directory;
    this.identity = identity;
    this.sessions = new OverlaySession(directory, loops);
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

  @Descriptor("Opens the console of another node of the network, or of a Nostr device, through the overlay "
      + "(needs its admin authorization); reads lines from the input, or runs the given command there")
  public void shell(CommandSession session,
      @Descriptor("the node: a node name, a peer ID, or a device's callsign or npub") @Parameter(
          names = {"-n", "--node"}, absentValue = "") String node,
      @Descriptor("that node's admin credentials, user:password (else its standing grant; on a device, else this "
          + "node's client key, as admin or as the user given alone)") @Parameter(
              names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("a terminal's type and size, TERM:COLSxROWS: the session gets a PTY of that kind (as "
          + "warren client shell asks from a terminal)") @Parameter(names = {"--pty"}, absentValue = "") String pty,
      @Descriptor("a command to run there instead of reading lines") String... command) throws Exception {
    if (node.isEmpty()) {
      throw new IllegalArgumentException("ssh:shell needs --node <name, peer ID or device>");
    }
    Optional<Pty> terminal = ptyOf(pty); // a bad --pty is refused before anything is asked of the other node
    PeerRef peer = directory.resolve(node);
    OverlaySession.Target s =
        new OverlaySession.Target(node, peer, String.join(" ", command), terminal, session.getKeyboard(),
            session.getConsole(), System.err);
    int status = PeerRef.NOSTR.equals(peer.transport()) ? onDevice(s, credentials) : onMember(s, credentials);
    if (status != 0) {
      throw new IllegalStateException("the session on " + node + " ended with status " + status);
    }
  }

  /** A member of the network: a one-time key its remote admin lets log in (a ticket). */
  private int onMember(OverlaySession.Target s, String credentials) throws Exception {
    RemoteAdmin r = remote;
    if (r == null) {
      throw new IllegalStateException("ssh:shell needs the federation bundle, which is not running");
    }
    if (s.peer().id().equals(identity.peerId())) {
      throw new IllegalArgumentException(s.node() + " is this node");
    }
    KeyPair key = oneTimeKey();
    List<String> call = new ArrayList<>(List.of("ssh:ticket", identity.peerId()));
    call.addAll(List.of(PublicKeyEntry.toString(key.getPublic()).split(" ")));
    Ticket ticket = Ticket.parse(s.node(), r.runAndWait(s.peer().id(), call, credentials, WAIT));
    ServerKeyVerifier verifier = HostKeyAttribute.verifier(s.node(), ticket.hostKey(), attributesOf(s.peer()));
    return sessions.run(s, ticket.user(), c -> c.addPublicKeyIdentity(key), verifier, new AtomicReference<>());
  }

  /**
   * A Nostr device: no remote admin to issue a ticket, so it logs in with the admin password given
   * ({@code --credentials user:password}, SSH password authentication checked there) or else with this
   * node's client key, which the device's admin has authorised ({@code ssh:keys add}), as {@code user}
   * ({@code --credentials user}, else {@value #DEVICE_USER}); and only to the host key its signed
   * announcement names.
   */
  private int onDevice(OverlaySession.Target s, String credentials) throws Exception {
    if (s.peer().id().equals(HexFormat.of().formatHex(identity.nostrPublicKey()))) {
      throw new IllegalArgumentException(s.node() + " is this node");
    }
    int colon = credentials.indexOf(':');
    if (colon == 0) {
      throw new IllegalArgumentException("--credentials expects user:password, or a user alone (this node's client "
          + "key logs in)");
    }
    AtomicReference<String> refused = new AtomicReference<>();
    ServerKeyVerifier verifier = HostKeyAttribute.deviceVerifier(s.node(), attributesOf(s.peer()), refused::set);
    if (colon > 0) {
      String password = credentials.substring(colon + 1);
      return sessions.run(s, credentials.substring(0, colon), c -> c.addPasswordIdentity(password), verifier, refused);
    }
    String user = credentials.isEmpty() ? DEVICE_USER : credentials;
    KeyPair key = server.clientKeyPair();
    try {
      return sessions.run(s, user, c -> c.addPublicKeyIdentity(key), verifier, refused);
    } catch (OverlaySession.LoginRefused e) {
      throw new IllegalStateException(e.getMessage() + ": " + s.node() + " is a Nostr device, which has no remote "
          + "admin to let a one-time key in; let this node's client key in there (ssh:keys add "
          + HostKey.line(key) + ", printed by ssh:fingerprint --client), or give --credentials user:password", e);
    }
  }

  /** What {@code peer} signed about itself, from the first {@link PeerAttributes} that holds its record. */
  private Optional<Map<String, String>> attributesOf(PeerRef peer) {
    for (PeerAttributes a : records) {
      Optional<Map<String, String>> found = a.of(peer);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
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
}
