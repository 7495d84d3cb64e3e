package io.warren.ssh.internal;

import io.warren.api.AdminAuthenticator;
import io.warren.api.CommandRunner;
import io.warren.api.Listener;
import io.warren.api.NodeProperties;
import io.warren.api.Store;
import io.warren.ssh.AuthorizedKeys;
import io.warren.ssh.SshConsole;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's console over SSH (Apache MINA SSHD). It listens when configured with
 * {@code enabled = true}, or when the framework property {@value #PORT_PROPERTY} is set (the
 * launcher's {@code --ssh-port N}, which also overrides the configured port); otherwise only its
 * host key exists. The admin logs in with the node's admin password (checked, and limited per
 * source address, by the node's {@link AdminAuthenticator}) or an authorised key
 * ({@link AuthorizedKeys}; refused keys are limited per source address by {@link KeyFailures}); every command goes to the node's {@link CommandRunner},
 * except {@code system-shell [command]}, which runs the configured OS user's shell ({@link SystemShell})
 * where {@code system.shell = true}. Forwarding of agents, X11 and remote ports is refused, and of
 * local ports ({@code ssh -L}) unless {@code local.forwarding = true}; SFTP is served,
 * confined to {@code sftp.directory}, only where that is set.
 *
 * <p>The configuration's checks ({@link Settings}), {@link LocalForwarding}, the password checks
 * ({@link PasswordChecks}), the key logins ({@link KeyLogins}), the console ({@link ConsoleShell}) and the host key ({@link HostKey})
 * live apart, so this stays the one place where MINA's server is wired to every option.
 */
@Component(service = {SshConsole.class, SshConsoleServer.class, Listener.class}, immediate = true,
    configurationPid = "io.warren.ssh")
@Designate(ocd = SshConsoleServer.Config.class)
public final class SshConsoleServer implements SshConsole, Listener {
  /** The framework property that turns the server on, on a port (the launcher's --ssh-port). */
  public static final String PORT_PROPERTY = "warren.ssh.port";
  private static final Logger LOG = LoggerFactory.getLogger(SshConsoleServer.class);

  @ObjectClassDefinition(name = "Warren SSH console", description = "The node's console over SSH")
  public @interface Config {
    @AttributeDefinition(description = "Listen for SSH clients (also on when the warren.ssh.port property is set, "
        + "as --ssh-port does)")
    boolean enabled() default false;

    @AttributeDefinition(description = "Address to bind; loopback unless you mean to serve other machines")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port; 0 picks a free port (warren.ssh.port overrides it)")
    int port() default 8101;

    @AttributeDefinition(description = "Let the admin log in with the admin password (else only with authorised keys)")
    boolean password_authentication() default true;

    @AttributeDefinition(description = "SSH connections at once, logged in or not; one more is closed at once")
    int max_sessions() default 32;

    @AttributeDefinition(description = "SSH connections at once from one IP address; one more is closed at once")
    int max_sessions_per_address() default 8;

    @AttributeDefinition(description = "Logged-in SSH connections of one user at once")
    int max_sessions_per_user() default 8;

    @AttributeDefinition(description = "Authentication attempts (keys offered, passwords tried) per connection")
    int max_auth_attempts() default 6;

    @AttributeDefinition(description = "Seconds a connection has to log in before it is closed")
    int auth_timeout_seconds() default 30;

    @AttributeDefinition(description = "Seconds without traffic after which a connection is closed")
    int idle_timeout_seconds() default 1800;

    @AttributeDefinition(description = "Let the admin open an OS shell with 'ssh -t admin@node system-shell' "
        + "(or run 'system-shell <command>'); the console stays the default")
    boolean system_shell() default false;

    @AttributeDefinition(description = "The OS user the system shell runs as; no default, and root only when "
        + "this says root. A node not running as root can only start its own user's shell")
    String system_shell_user() default "";

    @AttributeDefinition(description = "The system shell's program (started with -l, or -c <command>); empty: "
        + "the user's login shell from /etc/passwd")
    String system_shell_command() default "";

    @AttributeDefinition(description = "Serve SFTP, confined to this existing directory (files are read and "
        + "written as the node's OS user); empty: no SFTP")
    String sftp_directory() default "";

    @AttributeDefinition(description = "Let the admin forward local ports through the node (ssh -L), to any "
        + "address the node reaches; remote (-R), agent and X11 forwarding stay refused")
    boolean local_forwarding() default false;

    @AttributeDefinition(description = "Let ssh:shell from Nostr devices log in here through a relay this node is a "
        + "device of (their keys in the device allow list of etc/io.warren.nostr.client.cfg): with the admin "
        + "password, or an authorised key")
    boolean device_logins() default false;
  }

  private final Settings settings;
  private final SshStore db;
  /** Made or loaded when the server starts, else at their first use (the console off: not at start). */
  private volatile KeyPair hostKey;
  private volatile KeyPair clientKey;
  private final SessionLimits limits;
  private final KeyFailures keyFailures;
  private final Tickets tickets;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "warren-ssh-console");
    t.setDaemon(true);
    return t;
  });
  /** Password checks, off MINA's I/O threads; the AdminAuthenticator bounds them again. */
  private final ThreadPoolExecutor checks = PasswordChecks.pool();
  private final SshServer server;
  private final InetSocketAddress address;
  private final AdminAuthenticator admin;
  private final OverlaySources overlay = new OverlaySources();

  @Activate
  public SshConsoleServer(BundleContext context, @Reference Store store, @Reference AuthorizedKeys keys,
      @Reference CommandRunner commands, @Reference AdminAuthenticator admin, Config config) throws IOException {
    this(Settings.of(config, context.getProperty(PORT_PROPERTY)), store, keys, commands, admin, banner(context),
        Clock.systemUTC());
  }

  SshConsoleServer(Settings settings, Store store, AuthorizedKeys keys, CommandRunner commands,
      AdminAuthenticator admin, String banner, Clock clock)
      throws IOException {
    this.settings = settings;
    this.db = new SshStore(store);
    this.admin = admin;
    this.limits = new SessionLimits(settings.maxSessions(), settings.maxPerAddress());
    this.keyFailures = new KeyFailures(clock);
    this.tickets = new Tickets(clock);
    if (!settings.enabled()) {
      // nothing of sshd (nor the Bouncy Castle provider it registers) is loaded at start
      this.server = null;
      this.address = null;
      return;
    }
    // sshd's registrars and factories through its own loader (see SshdLoader); its threads inherit it
    ClassLoader context = SshdLoader.enter();
    try {
      SshServer s = SshServer.setUpDefaultServer();
      s.setHost(settings.host());
      s.setPort(settings.port());
      s.setKeyPairProvider(KeyPairProvider.wrap(host()));
      KeyLogins logins = new KeyLogins(admin, tickets, keys, keyFailures, this::source);
      s.setPublickeyAuthenticator(logins);
      s.setPasswordAuthenticator(settings.passwords()
          ? PasswordChecks.authenticator(admin, checks, this::source, logins::locked) : null);
      // the password goes through the "password" method only: keyboard-interactive would ask for the
      // same password again, with a banner of its own on the client's terminal
      s.setKeyboardInteractiveAuthenticator(null);
      s.setGSSAuthenticator(null);
      s.setHostBasedAuthenticator(null);
      s.setForwardingFilter(settings.localForwarding() ? LocalForwarding.only() : RejectAllForwardingFilter.INSTANCE);
      if (settings.sftpDirectory().isPresent()) {
        // MINA's rooted file system keeps .. and absolute paths inside; SftpConfinement keeps links inside
        Path sftp = settings.sftpDirectory().get();
        s.setFileSystemFactory(new VirtualFileSystemFactory(sftp));
        s.setSubsystemFactories(List.of(
            new SftpSubsystemFactory.Builder().withFileSystemAccessor(new SftpConfinement(sftp)).build()));
      } else {
        s.setSubsystemFactories(List.of());
      }
      s.setShellFactory(channel -> new ConsoleShell(commands, workers, banner));
      Optional<SystemShell.Setup> shell = settings.systemShell();
      s.setCommandFactory((channel, line) -> {
        String request = SystemShell.request(line);
        if (request == null) {
          return new ConsoleExec(commands, workers, line);
        }
        return shell.<org.apache.sshd.server.command.Command>map(
            setup -> new SystemShell(setup, request, source(channel.getServerSession())))
            .orElseGet(() -> SystemShell.refused("the system shell is off on this node: set system.shell = true "
                + "and system.shell.user in etc/io.warren.ssh.cfg"));
      });
      s.addSessionListener(limits);
      s.addSessionListener(new SessionListener() {
        @Override
        public void sessionEvent(Session session, SessionListener.Event event) {
          if (event == SessionListener.Event.Authenticated && session instanceof ServerSession ss) {
            keyFailures.succeeded(source(ss));
            Tickets.Ticket ticket = ss.getAttribute(KeyLogins.TICKET);
            if (ticket != null) {
              tickets.used(ticket);
              LOG.info("ssh: {} logged in from {} with the ssh:shell ticket of {}", ss.getUsername(), source(ss),
                  ticket.peer());
            }
          }
        }
      });
      CoreModuleProperties.MAX_AUTH_REQUESTS.set(s, settings.maxAuthAttempts());
      CoreModuleProperties.MAX_CONCURRENT_SESSIONS.set(s, settings.maxPerUser());
      CoreModuleProperties.AUTH_TIMEOUT.set(s, settings.authTimeout());
      CoreModuleProperties.IDLE_TIMEOUT.set(s, settings.idleTimeout());
      CoreModuleProperties.SERVER_IDENTIFICATION.set(s, "Warren");
      try {
        s.start();
      } catch (IOException e) {
        workers.shutdownNow();
        checks.shutdownNow();
        throw new IOException(
            "ssh: cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(),
            e);
      }
      this.server = s;
      this.address = bound(s, settings);
      LOG.info("SSH console listening on {}:{} (host key {})", address.getHostString(), address.getPort(),
          fingerprint());
      settings.sftpDirectory().ifPresent(d -> LOG.info("ssh: SFTP serves {}", d));
    } finally {
      SshdLoader.restore(context);
    }
  }

  private static InetSocketAddress bound(SshServer s, Settings settings) {
    for (SocketAddress a : s.getBoundAddresses()) {
      if (a instanceof InetSocketAddress i) {
        return new InetSocketAddress(settings.host(), i.getPort());
      }
    }
    return new InetSocketAddress(settings.host(), s.getPort());
  }

  /**
   * Where a login attempt comes from, for the login limits: its IP address, never its port; for a
   * connection spliced from an overlay stream, that stream's source ({@link OverlaySources}).
   */
  String source(ServerSession session) {
    SocketAddress a = session.getClientAddress();
    return overlay.of(a).orElseGet(() -> a instanceof InetSocketAddress i && i.getAddress() != null
        ? "ip " + i.getAddress().getHostAddress() : "ssh " + a);
  }

  /** The sources of the connections {@link OverlayShellHandler} makes. */
  OverlaySources overlay() {
    return overlay;
  }

  @Deactivate
  void deactivate() {
    if (server != null) {
      try {
        server.stop(true);
      } catch (IOException e) {
        LOG.debug("ssh: stopping the server: {}", e.toString());
      }
    }
    workers.shutdownNow();
    checks.shutdownNow();
  }

  @Override
  public String fingerprint() {
    return HostKey.fingerprint(host());
  }

  @Override
  public String hostKey() {
    return HostKey.line(host());
  }

  @Override
  public String clientKey() {
    return HostKey.line(client());
  }

  /** The key pair {@code ssh:shell} logs in to devices with. */
  KeyPair clientKeyPair() {
    return client();
  }

  private KeyPair host() {
    if (hostKey == null) {
      loadKeys();
    }
    return hostKey;
  }

  private KeyPair client() {
    if (clientKey == null) {
      loadKeys();
    }
    return clientKey;
  }

  /** Loads the node's two SSH keys, making them on first use (through sshd's loader, see SshdLoader). */
  private synchronized void loadKeys() {
    if (hostKey != null && clientKey != null) {
      return;
    }
    ClassLoader context = SshdLoader.enter();
    try {
      clientKey = HostKey.load(db, SshStore.OwnKey.CLIENT);
      hostKey = HostKey.load(db);
    } finally {
      SshdLoader.restore(context);
    }
  }

  @Override
  public Optional<InetSocketAddress> address() {
    return Optional.ofNullable(address);
  }

  @Override
  public String name() {
    return "ssh";
  }

  @Override
  public Optional<String> systemShellUser() {
    return settings.systemShell().map(setup -> setup.account().name());
  }

  @Override
  public Optional<Path> sftpDirectory() {
    return settings.sftpDirectory();
  }

  @Override
  public boolean localForwarding() {
    return settings.localForwarding();
  }

  @Override
  public boolean deviceLogins() {
    return settings.deviceLogins();
  }

  /**
   * A ticket for {@code peer}'s {@code ssh:shell}: that peer may open overlay streams to this server
   * and log in once as the admin with {@code key}, within {@link Tickets#TTL}.
   *
   * @throws IllegalStateException when the server does not listen
   */
  void ticket(String peer, PublicKey key) {
    if (server == null) {
      throw new IllegalStateException("the SSH console is off on this node: set enabled = true in "
          + "etc/io.warren.ssh.cfg or start it with --ssh-port");
    }
    tickets.issue(peer, key);
  }

  /** The admin's user name, who logs in with a ticket. */
  String adminUser() {
    return admin.adminUser();
  }

  /** Whether {@code peer} holds a live ticket. */
  boolean expects(String peer) {
    return tickets.holds(peer);
  }

  @Override
  public int tickets() {
    return tickets.outstanding();
  }

  @Override
  public int sessions() {
    return limits.open();
  }

  /** SSH connections closed at once because max.sessions (or per address) were open. */
  int sessionsRefused() {
    return limits.refused();
  }

  private static String banner(BundleContext context) {
    String v = context.getProperty(NodeProperties.VERSION);
    return "Warren " + (v == null ? "" : v + " ")
        + "console. Tab completes commands and their flags; exit or Ctrl-D leaves.";
  }
}
