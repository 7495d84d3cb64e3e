package io.warren.iot.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.warren.api.LocalRelay;
import io.warren.api.MetricsSource;
import io.warren.api.NetworkMembers;
import io.warren.api.PeerDirectory;
import io.warren.api.Store;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.Threads;
import io.warren.api.channel.EventLoops;
import io.warren.iot.IotBroker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT broker component: users, topic rules and bridges from the store, the listener when
 * enabled, the bridge protocol's handler. Password checks (PBKDF2, work a stranger can trigger) run
 * on two threads with a short queue; a CONNECT beyond that is refused as busy.
 */
@Component(service = {IotBroker.class, StreamHandler.class, MetricsSource.class}, immediate = true,
    configurationPid = "io.warren.iot", property = {StreamHandler.PROTOCOL + "=" + BridgeWire.PROTOCOL,
        StreamHandler.TRANSPORTS + "=libp2p", MetricsSource.NAME + "=iot"})
@Designate(ocd = IotService.Config.class)
public final class IotService implements IotBroker, StreamHandler, MetricsSource {

  @ObjectClassDefinition(name = "Warren IoT",
      description = "An MQTT 3.1.1 and 5.0 broker, topics bridged across the network")
  public @interface Config {
    @AttributeDefinition(
        description = "Run the MQTT listener (users, rules and bridges can be managed while it is off)")
    boolean enabled() default false;

    @AttributeDefinition(description = "Address the MQTT listener binds (0.0.0.0 for every interface)")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port of the MQTT listener (0: a free port, shown by iot:stats)")
    int port() default 1883;

    @AttributeDefinition(
        description = "Let clients without a user name connect, as user 'anonymous' (topic rules still apply)")
    boolean allow_anonymous() default false;

    @AttributeDefinition(description = "Connected clients at once; one more is refused (CONNACK 0x03, MQTT 5: 0x97)")
    int max_connections() default 1000;

    @AttributeDefinition(
        description = "Subscriptions one client may hold; one more is refused in its SUBACK (0x80, MQTT 5: 0x97)")
    int max_subscriptions_per_client() default 100;

    @AttributeDefinition(
        description = "QoS 1 messages sent to one client and not yet acknowledged; more wait in its queue")
    int max_inflight_per_client() default 32;

    @AttributeDefinition(
        description = "QoS 1 messages queued for one client (absent or with a full window); more are dropped")
    int max_queued_per_client() default 1000;

    @AttributeDefinition(
        description = "Largest MQTT packet accepted, in bytes; a larger one closes its connection (MQTT 5: DISCONNECT 0x95)")
    int max_message_bytes() default 262144;

    @AttributeDefinition(
        description = "PUBLISH packets per second one client may send (bursts up to as many); faster closes it (MQTT 5: DISCONNECT 0x96)")
    int publish_rate() default 1000;

    @AttributeDefinition(description = "Seconds a new connection has to send CONNECT before it is closed")
    int connect_timeout_seconds() default 10;

    @AttributeDefinition(
        description = "Longest a session outlives its connection (MQTT 3.1.1 clean session off gets this), in seconds")
    long max_session_expiry_seconds() default 86400;

    @AttributeDefinition(description = "Retained messages kept; beyond, new retained topics are not kept")
    int max_retained() default 10000;

    @AttributeDefinition(
        description = "QoS 1 messages kept per bridge member until it acknowledges them; beyond, the oldest is dropped")
    int bridge_queue() default 10000;

    @AttributeDefinition(description = "TCP port of the MQTT-over-TLS listener on host, where devices authenticate"
        + " with client certificates (-1: off, 0: a free port, shown by iot:stats)")
    int tls_port() default -1;

    @AttributeDefinition(description = "PEM certificate (chain) the TLS listener presents")
    String tls_certificate_file() default "";

    @AttributeDefinition(description = "PEM private key (PKCS#8) of that certificate")
    String tls_key_file() default "";

    @AttributeDefinition(description = "PEM file of the CAs whose client certificates the TLS listener accepts;"
        + " the certificate's CN is the MQTT user name")
    String tls_client_ca_file() default "";

    @AttributeDefinition(description = "Client certificates accepted by their SHA-256 fingerprint, each as"
        + " <fingerprint in hex>=<user> (for self-signed device certificates)")
    String[] tls_client_pins() default {};

    @AttributeDefinition(description = "Let TLS clients without a certificate in, to authenticate with a user name"
        + " and password (a certificate sent must still be accepted)")
    boolean tls_allow_password() default false;

    @AttributeDefinition(description = "Topic filters bridged to this node's Nostr relay, both ways: a message"
        + " published here becomes an event of kind 25912 signed by the node, and such an event from a device in"
        + " the relay's device.allow reaches local subscribers as user <its npub> (empty: off)")
    String[] nostr_topics() default {};
  }

  private static final Logger LOG = LoggerFactory.getLogger(IotService.class);

  private final Settings settings;
  private final IotStore db;
  private final Broker broker;
  private final Persistence persistence;
  private final Bridges bridges;
  private final NostrBridge nostr;
  private final Map<String, String> users = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor checks =
      new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16),
          Threads.named("iot-password-check"));
  private final Channel listener;
  private final Channel tlsListener;
  private final ScheduledFuture<?> timer;
  private final LoginLimits limits = new LoginLimits();
  private volatile NetworkMembers members;

  @Activate
  public IotService(@Reference Store store, @Reference PeerDirectory directory, @Reference EventLoops loops,
      Config config) {
    this.settings = Settings.of(config);
    List<String> nostrTopics = NostrBridge.filters(config.nostr_topics());
    this.db = new IotStore(store);
    this.persistence = new Persistence(store);
    this.broker = new Broker(settings, persistence);
    this.bridges = new Bridges(broker, directory, () -> members, settings);
    this.nostr = new NostrBridge(nostrTopics, broker, bridges);
    users.putAll(db.users());
    broker.acl(db.acls());
    bridges.filters.putAll(db.bridges());
    broker.bridges(m -> {
      nostr.forward(m);
      return bridges.forward(m);
    });
    // what members bridge here reaches this node's Nostr devices too (a device sees the whole network)
    broker.fromMembers(nostr::forward);
    checks.allowCoreThreadTimeOut(true);
    this.timer = loops.group().scheduleAtFixedRate(() -> {
      broker.expireSessions(System.currentTimeMillis());
      bridges.refresh();
    }, 1, 2, TimeUnit.SECONDS);
    if (config.tls_port() < -1 || config.tls_port() > 65535) {
      timer.cancel(false);
      throw new IllegalArgumentException(
          "io.warren.iot: tls.port must be -1 (off) or 0-65535, got " + config.tls_port());
    }
    ClientCerts certs = null;
    if (config.tls_port() >= 0) {
      try {
        certs = new ClientCerts(config.tls_certificate_file(), config.tls_key_file(), config.tls_client_ca_file(),
            config.tls_client_pins(), config.tls_allow_password());
      } catch (IllegalArgumentException e) {
        timer.cancel(false);
        throw e;
      }
    }
    if (!settings.enabled()) {
      listener = null;
      tlsListener = null;
      return;
    }
    listener = listen(loops, settings.port(), null);
    LOG.info("iot: MQTT listening on {}", listener.localAddress());
    if (certs == null) {
      tlsListener = null;
      return;
    }
    try {
      tlsListener = listen(loops, config.tls_port(), certs);
    } catch (RuntimeException e) {
      listener.close();
      throw e;
    }
    LOG.info("iot: MQTT over TLS listening on {} (client certificates{}; {})", tlsListener.localAddress(),
        certs.allowPassword ? " or passwords" : "", certs.engine);
  }

  /** The MQTT listener on {@code port}; with {@code certs}, over TLS, a client certificate naming the user. */
  private Channel listen(EventLoops loops, int port, ClientCerts certs) {
    ServerBootstrap b = loops.serverBootstrap()
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            Authenticator auth = IotService.this::authenticate;
            if (certs != null) {
              ch.pipeline().addLast("tls", certs.context.newHandler(ch.alloc()));
              auth = (source, user, password) -> {
                String certUser = certs.userOf(ch);
                if (certUser != null) {
                  return CompletableFuture.completedFuture(certUser); // the certificate names the user, not CONNECT
                }
                return certs.allowPassword ? authenticate(source, user, password)
                    : CompletableFuture.completedFuture(null);
              };
            }
            ch.pipeline().addLast("decoder", new MqttDecoder(settings.maxMessageBytes()))
                .addLast("encoder", MqttEncoder.INSTANCE)
                .addLast("mqtt", new MqttConnection(broker, auth));
          }
        });
    try {
      return b.bind(settings.host(), port).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      timer.cancel(false);
      throw new IllegalStateException("iot: cannot listen on " + settings.host() + ":" + port + ": " + e, e);
    }
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setMembers(NetworkMembers m) {
    members = m;
  }

  void unsetMembers(NetworkMembers m) {
    if (members == m) {
      members = null;
    }
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setRelay(LocalRelay r) {
    nostr.attach(r);
  }

  void unsetRelay(LocalRelay r) {
    nostr.detach(r);
  }

  @Deactivate
  void deactivate() {
    timer.cancel(false);
    nostr.close();
    bridges.close();
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    if (tlsListener != null) {
      tlsListener.close().syncUninterruptibly();
    }
    for (Session s : broker.allSessions()) {
      Channel c = s.channel();
      if (c != null) {
        c.close();
      }
    }
    checks.shutdownNow();
    persistence.close();
  }

  /**
   * The user a CONNECT from {@code source} authenticates as, or null when refused; fails when the
   * source is locked out or too many checks wait ({@link LoginLimits}, and two threads with a queue
   * of 16 for all sources).
   */
  private CompletionStage<String> authenticate(String source, String user, byte[] password) {
    if (user == null) {
      return CompletableFuture.completedFuture(settings.allowAnonymous() && password == null ? Broker.ANONYMOUS : null);
    }
    String refused = limits.admit(source, System.currentTimeMillis());
    if (refused != null) {
      return CompletableFuture.failedFuture(new IllegalStateException(refused));
    }
    String hash = users.get(user);
    try {
      return CompletableFuture.supplyAsync(() -> {
        // an unknown user costs the same check as a known one, so timing does not tell which names exist
        boolean ok =
            Passwords.verify(password == null ? new byte[0] : password, hash == null ? Passwords.dummy() : hash)
                && hash != null && password != null;
        limits.done(source, ok, System.currentTimeMillis());
        return ok ? user : null;
      }, checks);
    } catch (RejectedExecutionException e) {
      limits.done(source, true, System.currentTimeMillis()); // not a failure of the source's: only the slot is freed
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- StreamHandler: the bridge protocol ----

  @Override
  public void handle(Stream stream) {
    bridges.accept(stream);
  }

  // ---- IotBroker ----

  @Override
  public void setUser(String name, String password) {
    if (name == null || name.isBlank() || name.equals("*") || name.equals(Broker.ANONYMOUS) || name.length() > 255) {
      throw new IllegalArgumentException("a user name is 1-255 characters, not '*' or 'anonymous'");
    }
    if (password == null || password.length() < 8) {
      throw new IllegalArgumentException("a password is at least 8 characters");
    }
    String hash = Passwords.hash(password);
    db.putUser(name, hash);
    users.put(name, hash);
  }

  @Override
  public boolean removeUser(String name) {
    users.remove(name);
    return db.deleteUser(name);
  }

  @Override
  public List<String> users() {
    return users.keySet().stream().sorted().toList();
  }

  @Override
  public AclRule addAcl(String user, String pattern, AclRule.Access access) {
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("a rule names a user, '*' (every user) or 'anonymous'");
    }
    Topics.checkFilter(pattern);
    AclRule r = db.insertAcl(user.strip(), pattern, access);
    broker.acl(db.acls());
    return r;
  }

  @Override
  public boolean removeAcl(long id) {
    boolean removed = db.deleteAcl(id);
    broker.acl(db.acls());
    return removed;
  }

  @Override
  public List<AclRule> acls() {
    return db.acls();
  }

  @Override
  public Bridge bridge(String filter, String network) {
    Topics.checkFilter(filter);
    if (network == null || network.isBlank()) {
      throw new IllegalArgumentException("--network <name> is required: the network whose members share the topics");
    }
    String mine = bridges.network();
    if (mine == null || !mine.equals(network)) {
      throw new IllegalArgumentException("this node is not a member of network '" + network + "'"
          + (mine == null ? " (it is in none)" : " (it is in '" + mine + "')"));
    }
    db.putBridge(filter, network);
    bridges.filters.put(filter, network);
    bridges.refresh();
    return new Bridge(filter, network, linkState());
  }

  @Override
  public boolean unbridge(String filter) {
    bridges.filters.remove(filter);
    return db.deleteBridge(filter);
  }

  @Override
  public List<Bridge> bridges() {
    String state = linkState();
    return bridges.filters.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> new Bridge(e.getKey(), e.getValue(), state)).toList();
  }

  private String linkState() {
    List<String> out = new ArrayList<>();
    bridges.links.forEach((p, l) -> out.add(p.id().substring(Math.max(0, p.id().length() - 8)) + ": " + l.state()));
    return out.isEmpty() ? "no member reachable yet" : String.join("; ", out);
  }

  @Override
  public List<TopicInfo> topics() {
    return broker.topics();
  }

  @Override
  public List<ClientInfo> clients() {
    List<ClientInfo> out = new ArrayList<>();
    for (Session s : broker.allSessions()) {
      out.add(new ClientInfo(s.clientId, s.user, s.address, s.protocol == Packets.V5 ? "5.0" : "3.1.1",
          s.channel() != null, s.subscriptions.size(), s.inflightCount(), s.queuedCount()));
    }
    out.sort((a, b) -> a.clientId().compareTo(b.clientId()));
    return out;
  }

  @Override
  public Map<String, Object> stats() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("listening", listener == null ? "off (enabled = false)" : listener.localAddress().toString());
    m.put("listening.tls", tlsListener == null ? "off" : tlsListener.localAddress().toString());
    m.put("network", bridges.network() == null ? "none" : bridges.network());
    m.put("nostr", nostr.enabled() ? String.join(" ", nostr.filters()) : "off (nostr.topics empty)");
    m.putAll(metrics());
    return m;
  }

  @Override
  public Map<String, Number> metrics() {
    Map<String, Number> m = new LinkedHashMap<>();
    int connected = 0;
    int subs = 0;
    for (Session s : broker.allSessions()) {
      connected += s.channel() != null ? 1 : 0;
      subs += s.subscriptions.size();
    }
    m.put("clients.connected", connected);
    m.put("sessions", broker.allSessions().size());
    m.put("subscriptions", subs);
    m.put("retained", broker.retainedCount());
    m.put("messages.in", broker.messagesIn.get());
    m.put("bytes.in", broker.bytesIn.get());
    m.put("messages.out", broker.messagesOut.get());
    m.put("messages.dropped", broker.messagesDropped.get());
    m.put("refused.auth", broker.refusedAuth.get());
    m.put("refused.acl", broker.refusedAcl.get());
    m.put("refused.limits", broker.refusedLimits.get());
    m.put("malformed", broker.malformed.get());
    m.put("bridge.sent", bridges.sent.get());
    m.put("bridge.received", bridges.received.get());
    m.put("bridge.duplicates", bridges.duplicates.get());
    m.put("nostr.sent", nostr.sent.get());
    m.put("nostr.received", nostr.received.get());
    m.put("nostr.refused", nostr.refused.get());
    return m;
  }
}
