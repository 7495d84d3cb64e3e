package io.warren.proxy.internal;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerId;
import io.warren.api.PeerRef;
import io.warren.api.Store;
import io.warren.api.channel.EventLoops;
import io.warren.proxy.ProxyRules;
import io.warren.proxy.Rule;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * The proxy rules of this node: kept in the store, brought back at start, checked when added, and
 * removed when they expire. Egress rules get their listeners from {@link EgressListeners}; ingress
 * rules are looked up by the {@link IngressHandler} when a stream arrives. A stream is opened per
 * connection, so a peer that restarted or moved is reached again by the next connection without
 * any action.
 */
@Component(service = {ProxyRules.class, MetricsSource.class, ProxyRuleService.class}, immediate = true,
    configurationPid = "io.warren.proxy", property = MetricsSource.NAME + "=proxy")
@Designate(ocd = ProxyRuleService.Config.class)
public final class ProxyRuleService implements ProxyRules, MetricsSource {

  @ObjectClassDefinition(name = "Warren proxy", description = "Proxy rules: ports forwarded between nodes")
  public @interface Config {
    @AttributeDefinition(description = "Seconds allowed to connect to an ingress rule's local target")
    int connect_timeout_seconds() default 5;

    @AttributeDefinition(description = "Seconds between attempts to bind an egress listener whose port was busy")
    int rebind_seconds() default 10;

    @AttributeDefinition(description = "Connections through all rules at once; one more is closed at once")
    int max_connections() default 4096;

    @AttributeDefinition(description = "Seconds between health checks of the rules' other nodes (a ping over the "
        + "overlay; an answer later than this counts as none), shown by proxy:list")
    int health_check_seconds() default 3;
  }

  /** {@link Config}, checked. */
  record Settings(int connectTimeoutMillis, int rebindSeconds, int maxConnections, int healthCheckSeconds) {
    static Settings of(Config c) {
      if (c.connect_timeout_seconds() < 1 || c.rebind_seconds() < 1 || c.max_connections() < 1
          || c.health_check_seconds() < 1) {
        throw new IllegalArgumentException("io.warren.proxy: every setting must be at least 1");
      }
      return new Settings(c.connect_timeout_seconds() * 1000, c.rebind_seconds(), c.max_connections(),
          c.health_check_seconds());
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ProxyRuleService.class);

  private final ProxyStore db;
  private final NodeIdentity identity;
  private final PeerDirectory directory;
  private final Settings settings;
  private final EgressListeners egress;
  private final Map<String, ActiveRule> rules = new ConcurrentHashMap<>();
  /** Proxied connections open through every rule, egress and ingress, against {@link Settings#maxConnections}. */
  private final AtomicLong open = new AtomicLong();
  /** Connections refused because {@link Settings#maxConnections} were open. */
  private final AtomicLong limitRefused = new AtomicLong();
  private final ScheduledFuture<?> expiry;
  private final ScheduledFuture<?> rebind;
  /** Whether each rule's other node answers, checked over the overlay. */
  private final io.warren.api.channel.PeerHealth health;

  @Activate
  public ProxyRuleService(@Reference Store store, @Reference NodeIdentity identity, @Reference PeerDirectory directory,
      @Reference EventLoops loops, Config config) {
    this.settings = Settings.of(config);
    this.db = new ProxyStore(store);
    this.identity = identity;
    this.directory = directory;
    this.egress = new EgressListeners(this, loops, directory);
    for (Rule r : db.all()) {
      if (r.expires() != null && r.expires().isBefore(Instant.now())) {
        db.delete(r.id());
        LOG.info("proxy: rule {} expired while the node was down; removed", r.id());
        continue;
      }
      ActiveRule a = new ActiveRule(r);
      rules.put(r.id(), a);
      if (r.direction() == Rule.Direction.EGRESS) {
        egress.bindLater(a);
      } else {
        a.state = "accepting from " + r.peerName();
      }
    }
    if (!rules.isEmpty()) {
      LOG.info("proxy: {} rule(s) restored", rules.size());
    }
    this.expiry = loops.group().scheduleAtFixedRate(this::expire, 1, 1, TimeUnit.SECONDS);
    this.rebind = loops.group().scheduleAtFixedRate(() -> rules.values().stream()
        .filter(a -> a.rule.direction() == Rule.Direction.EGRESS && a.listener == null)
        .forEach(egress::bindLater), settings.rebindSeconds(), settings.rebindSeconds(), TimeUnit.SECONDS);
    Duration every = Duration.ofSeconds(settings.healthCheckSeconds());
    this.health = new io.warren.api.channel.PeerHealth(directory, loops, () -> rules.values().stream().map(a -> a.peer)
        .filter(p -> p.transport().equals(PeerRef.LIBP2P)).distinct().toList(), every, every);
  }

  @Deactivate
  void deactivate() {
    // the event loops are the node's: stop this component's timers and close its own channels only
    expiry.cancel(false);
    rebind.cancel(false);
    health.close();
    rules.values().forEach(ActiveRule::close);
  }

  // ---- ProxyRules ----

  @Override
  public Rule add(Rule.Direction direction, String bind, int port, PeerRef peer, int peerPort, Instant expires) {
    if (direction == null) {
      throw new IllegalArgumentException("--direction is required: egress or ingress");
    }
    if (peer == null) {
      throw new IllegalArgumentException("no node given (a peer ID or a node name)");
    }
    checkPort("--port", port, false);
    checkPort(direction == Rule.Direction.EGRESS ? "the target's port" : "the origin's port", peerPort,
        direction == Rule.Direction.INGRESS);
    if (expires != null && !expires.isAfter(Instant.now())) {
      throw new IllegalArgumentException("--expires must be in the future");
    }
    String host = bind == null || bind.isBlank() ? "127.0.0.1" : bind.strip();
    try {
      InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host '" + host + "'");
    }
    String name = directory.nameOf(peer).orElse(peer.id());
    if (isSelf(peer)) {
      throw new IllegalArgumentException(name + " is this node");
    }
    String ref = peer.toString();
    for (ActiveRule a : rules.values()) {
      Rule r = a.rule;
      if (direction == Rule.Direction.EGRESS && r.direction() == Rule.Direction.EGRESS && r.port() == port
          && r.bind().equals(host)) {
        throw new IllegalArgumentException("rule " + r.id() + " already listens on " + host + ":" + port);
      }
      if (direction == Rule.Direction.INGRESS && r.direction() == Rule.Direction.INGRESS && r.port() == port
          && r.peer().equals(ref) && r.peerPort() == peerPort) {
        throw new IllegalArgumentException("rule " + r.id() + " already accepts " + name + " on port " + port);
      }
    }
    Rule candidate = new Rule("", direction, host, port, ref, name, peerPort, expires, Instant.now());
    EgressListeners.Pending pending = null;
    if (direction == Rule.Direction.EGRESS) {
      pending = egress.bindNow(candidate); // throws when the port is taken, before anything is stored
    }
    Rule stored;
    try {
      stored = db.insert(candidate);
    } catch (RuntimeException e) {
      if (pending != null) {
        pending.listener().close();
      }
      throw e;
    }
    ActiveRule a = new ActiveRule(stored);
    rules.put(stored.id(), a);
    if (pending != null) {
      pending.activate(a);
    } else {
      a.state = "accepting from " + stored.peerName();
    }
    LOG.info("proxy: rule {} active: {}", stored.id(), describe(stored));
    return stored;
  }

  @Override
  public List<Rule> list() {
    return rules.values().stream().map(a -> a.rule)
        .sorted((x, y) -> Long.compare(Long.parseLong(x.id()), Long.parseLong(y.id()))).toList();
  }

  @Override
  public String status(String id) {
    ActiveRule a = rules.get(id);
    if (a == null) {
      return "no such rule";
    }
    return a.state + "; " + a.connections.size() + " open, " + a.total.get() + " total, " + a.failures.get()
        + " failed";
  }

  @Override
  public ProxyRules.PeerHealth peerHealth(String id) {
    ActiveRule a = rules.get(id);
    if (a == null) {
      return null;
    }
    if (!a.peer.transport().equals(PeerRef.LIBP2P)) { // ping is a libp2p protocol
      return new ProxyRules.PeerHealth(true, null, "not checked (" + a.peer.transport() + ")");
    }
    io.warren.api.channel.PeerHealth.State s = health.state(a.peer);
    return s == null ? new ProxyRules.PeerHealth(true, null, "not checked yet")
        : new ProxyRules.PeerHealth(s.live(), s.since(), s.detail());
  }

  @Override
  public boolean remove(String id) {
    ActiveRule a = rules.remove(id);
    boolean stored = db.delete(id);
    if (a == null) {
      return stored;
    }
    a.close();
    LOG.info("proxy: rule {} removed", id);
    return true;
  }

  @Override
  public List<Metric> samples() {
    return ProxyMetrics.samples(rules.values(), open.get(), limitRefused.get());
  }

  // ---- for the listeners and the ingress handler ----

  Settings settings() {
    return settings;
  }

  String nodeName() {
    return identity.name();
  }

  /** The active rules now. */
  Collection<ActiveRule> active() {
    return rules.values();
  }

  /** Whether {@code a} is still the active form of its rule (not removed, not replaced). */
  boolean isActive(ActiveRule a) {
    return rules.get(a.rule.id()) == a;
  }

  /**
   * Counts one more proxied connection through {@code a} and releases it when {@code c} closes;
   * false (nothing counted but the failure) when {@link Settings#maxConnections} are open.
   */
  boolean admit(ActiveRule a, Channel c) {
    if (open.incrementAndGet() > settings.maxConnections()) {
      open.decrementAndGet();
      a.failures.incrementAndGet();
      limitRefused.incrementAndGet();
      return false;
    }
    c.closeFuture().addListener(f -> open.decrementAndGet());
    a.connections.add(c);
    a.total.incrementAndGet();
    return true;
  }

  static String describe(Rule r) {
    return r.direction() == Rule.Direction.EGRESS
        ? r.bind() + ":" + r.port() + " -> " + r.peerName() + ":" + r.peerPort()
        : r.peerName() + (r.peerPort() == 0 ? "" : ":" + r.peerPort()) + " -> " + r.bind() + ":" + r.port();
  }

  private boolean isSelf(PeerRef peer) {
    return peer.equals(PeerRef.libp2p(PeerId.parse(identity.peerId())))
        || peer.equals(PeerRef.nostr(identity.nostrPublicKey()));
  }

  private static void checkPort(String what, int port, boolean zeroAllowed) {
    if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
      throw new IllegalArgumentException(what + " must be " + (zeroAllowed ? "0-65535" : "1-65535") + ", got " + port);
    }
  }

  private void expire() {
    Instant now = Instant.now();
    for (ActiveRule a : rules.values()) {
      if (a.rule.expires() != null && a.rule.expires().isBefore(now)) {
        LOG.info("proxy: rule {} expired", a.rule.id());
        remove(a.rule.id());
      }
    }
  }
}
