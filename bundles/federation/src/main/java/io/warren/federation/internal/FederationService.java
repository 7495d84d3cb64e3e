package io.warren.federation.internal;

import io.warren.api.AdminAuthenticator;
import io.warren.api.AuthenticationException;
import io.warren.api.NodeIdentity;
import io.warren.api.NodeProperties;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.api.RemoteCommandException;
import io.warren.api.Store;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.Transport;
import io.warren.api.TransportException;
import io.warren.federation.Member;
import io.warren.federation.NodeDirectory;
import io.warren.identity.NetworkCredentials;
import io.warren.libp2p.Libp2pNode;
import io.warren.libp2p.PeerInfo;
import io.warren.api.CommandRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
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
 * This node's membership of its network: proves membership to other members and checks theirs,
 * keeps the signed peer table in sync with every member it can reach (so the table spreads
 * transitively), reconnects to known members after a restart, and serves and makes remote admin
 * calls.
 *
 * <p>Protocol {@value #PROTOCOL}, length-prefixed messages (see {@link Frames}, {@link Codec}):
 * <pre>
 * dialer   HELLO     version=1, network, dialer nonce, operation ("sync" | "admin")
 * listener CHALLENGE 0, listener nonce, listener proof | 1, reason (not in that network)
 * dialer   PROOF     0, dialer proof | 1, reason (the listener's proof did not verify)
 * listener RESULT    0 | 1, reason (the dialer's proof did not verify)
 * then sync:  dialer TABLE, listener TABLE          (TABLE = count, encoded signed records)
 *      admin: dialer user, password, command words; listener status (0 ok, 1 refused, 2 failed), text
 * </pre>
 */
@Component(service = {NodeDirectory.class, RemoteAdmin.class, FederationService.class}, immediate = true,
    configurationPid = "io.warren.federation")
@Designate(ocd = FederationService.Config.class)
public final class FederationService implements NodeDirectory, RemoteAdmin {

  @ObjectClassDefinition(name = "Warren federation", description = "Network membership, peer-table sync, remote admin")
  public @interface Config {
    @AttributeDefinition(description = "Seconds between peer-table syncs with each member (changes are pushed at once)")
    int sync_interval_seconds() default 5;

    @AttributeDefinition(description = "Seconds a peer may take to answer one federation message")
    int call_timeout_seconds() default 15;

    @AttributeDefinition(description = "Most members kept in the peer table; records beyond it are ignored")
    int max_members() default 1000;

    @AttributeDefinition(description = "Longest wait in seconds between attempts to reach a member that did not answer")
    int max_backoff_seconds() default 60;
  }

  public static final String PROTOCOL = "/warren/federation/1.0.0";
  private static final Logger LOG = LoggerFactory.getLogger(FederationService.class);
  private static final int VERSION = 1;
  private static final int MAX_COMMAND_WORDS = 256;

  /** How reaching one member went, for net:nodes and net:status. */
  static final class Contact {
    volatile Instant lastContact;
    volatile String lastError;
    volatile long nextAttemptNanos;
    volatile int failures;
    final AtomicBoolean busy = new AtomicBoolean();
  }

  private final NodeIdentity identity;
  private final Libp2pNode libp2p;
  private final Transport transport;
  private final AdminAuthenticator admin;
  private final CommandRunner commands;
  private final FederationStore db;
  private final Optional<NetworkCredentials.Network> network;
  private final List<Bootstrap> bootstrap;
  private final String version;
  private final Duration timeout;
  private final int maxMembers;
  private final long syncIntervalNanos;
  private final long maxBackoffNanos;

  private final Map<String, SignedPeerRecord> table = new ConcurrentHashMap<>();
  private final Map<String, Contact> contacts = new ConcurrentHashMap<>();
  /** Peers that proved membership to this node (or to whom this node proved it), and when. */
  private final Map<String, Instant> provenMembers = new ConcurrentHashMap<>();
  private final Map<String, String> refusals = new ConcurrentHashMap<>();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile SignedPeerRecord self;
  private volatile Set<String> grants;

  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final ServiceRegistration<StreamHandler> handlerRegistration;
  private final ServiceRegistration<io.warren.libp2p.TrustedPeers> trustedRegistration;
  private final ServiceRegistration<io.warren.api.MetricsSource> metricsRegistration;
  private final java.util.concurrent.atomic.AtomicLong syncs = new java.util.concurrent.atomic.AtomicLong();

  @Activate
  public FederationService(BundleContext context, @Reference NodeIdentity identity,
      @Reference NetworkCredentials credentials, @Reference Store store,
      @Reference(target = "(" + Transport.NAME + "=libp2p)") Transport transport, @Reference Libp2pNode libp2p,
      @Reference AdminAuthenticator admin, @Reference CommandRunner commands, Config config) {
    if (config.sync_interval_seconds() < 1 || config.call_timeout_seconds() < 1 || config.max_members() < 1
        || config.max_backoff_seconds() < 1) {
      throw new IllegalArgumentException("io.warren.federation: every setting must be at least 1");
    }
    this.identity = identity;
    this.libp2p = libp2p;
    this.transport = transport;
    this.admin = admin;
    this.commands = commands;
    this.db = new FederationStore(store);
    this.network = credentials.defaultNetwork();
    this.bootstrap = Bootstrap.parseAll(credentials.bootstrapIdentities(), identity.peerId());
    String v = context.getProperty(NodeProperties.VERSION);
    this.version = v != null ? v : context.getBundle().getVersion().toString();
    this.timeout = Duration.ofSeconds(config.call_timeout_seconds());
    this.maxMembers = config.max_members();
    this.syncIntervalNanos = TimeUnit.SECONDS.toNanos(config.sync_interval_seconds());
    this.maxBackoffNanos = TimeUnit.SECONDS.toNanos(config.max_backoff_seconds());
    this.grants = Set.copyOf(db.grants().keySet());

    network.ifPresent(n -> {
      for (FederationStore.Row row : db.peers(n.name())) {
        SignedPeerRecord r = row.record();
        if (r.peerId().equals(identity.peerId())) {
          self = r;
        } else if (r.verifies() && r.network().equals(n.name())) {
          table.put(r.peerId(), r);
          contact(r.peerId()).lastContact = row.lastContact();
        }
      }
    });

    AtomicInteger threads = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(8, 8, 30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "warren-federation-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    this.workers = pool;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "warren-federation-timer");
      t.setDaemon(true);
      return t;
    });
    Hashtable<String, Object> props = new Hashtable<>();
    props.put(StreamHandler.PROTOCOL, PROTOCOL);
    this.handlerRegistration = context.registerService(StreamHandler.class, this::accept, props);
    // members relay for each other without limits, and a private member reserves at a public one
    this.trustedRegistration = context.registerService(io.warren.libp2p.TrustedPeers.class, this::isMember,
        new Hashtable<>());
    Hashtable<String, Object> metricsProps = new Hashtable<>();
    metricsProps.put(io.warren.api.MetricsSource.NAME, "network");
    this.metricsRegistration = context.registerService(io.warren.api.MetricsSource.class, this::metrics, metricsProps);
    if (network.isEmpty()) {
      if (!bootstrap.isEmpty()) {
        LOG.warn("federation: --bootstrap was given but no network (-dnc network:password); this node joins nothing");
      }
      return;
    }
    LOG.info("federation: member of network {}; {} bootstrap node(s), {} known member(s)", network.get().name(),
        bootstrap.size(), table.size());
    timer.scheduleWithFixedDelay(this::round, 200, 1000, TimeUnit.MILLISECONDS);
  }

  @Deactivate
  void deactivate() {
    handlerRegistration.unregister();
    trustedRegistration.unregister();
    metricsRegistration.unregister();
    timer.shutdownNow();
    workers.shutdownNow();
  }

  // ---- NodeDirectory ----

  @Override
  public Optional<String> network() {
    return network.map(NetworkCredentials.Network::name);
  }

  @Override
  public List<Member> members() {
    Map<String, PeerInfo> connected = connections();
    List<Member> out = new ArrayList<>();
    SignedPeerRecord me = currentSelf();
    out.add(new Member(identity.peerId(), identity.name(), version, me == null ? libp2p.listenAddresses() : me.addresses(),
        me == null ? Instant.now() : Instant.ofEpochMilli(me.seq()), Instant.now(), "self", true));
    List<Member> others = new ArrayList<>();
    for (SignedPeerRecord r : table.values()) {
      others.add(member(r, connected.get(r.peerId())));
    }
    others.sort(Comparator.comparing(Member::name).thenComparing(Member::peerId));
    out.addAll(others);
    return out;
  }

  @Override
  public Member resolve(String ref) {
    if (ref == null || ref.isBlank()) {
      throw new IllegalArgumentException("expected a node: a peer ID or a node name");
    }
    List<Member> all = members();
    for (Member m : all) {
      if (m.peerId().equals(ref)) {
        return m;
      }
    }
    List<Member> byName = all.stream().filter(m -> m.name().equals(ref)).toList();
    if (byName.size() == 1) {
      return byName.get(0);
    }
    if (byName.size() > 1) {
      throw new IllegalArgumentException(byName.size() + " nodes are named '" + ref + "'; give the peer ID");
    }
    if (ref.length() >= 8) {
      List<Member> byPrefix = all.stream().filter(m -> m.peerId().startsWith(ref)).toList();
      if (byPrefix.size() == 1) {
        return byPrefix.get(0);
      }
      if (byPrefix.size() > 1) {
        throw new IllegalArgumentException("'" + ref + "' matches " + byPrefix.size() + " peer IDs; give more of it");
      }
    }
    throw new IllegalArgumentException("no node '" + ref + "' in " + network.map(n -> "network " + n.name())
        .orElse("the peer table (this node is in no network)") + "; net:nodes lists the known ones");
  }

  /** Whether {@code peerId} proved membership of this node's network, directly or by a record in the table. */
  public boolean isMember(String peerId) {
    return provenMembers.containsKey(peerId) || table.containsKey(peerId);
  }

  private Member member(SignedPeerRecord r, PeerInfo connection) {
    Contact c = contacts.get(r.peerId());
    String path = connection == null ? "-" : connection.relayed() ? "relayed" : "direct";
    return new Member(r.peerId(), r.name(), r.version(), r.addresses(), Instant.ofEpochMilli(r.seq()),
        c == null ? null : c.lastContact, path, false);
  }

  private Map<String, PeerInfo> connections() {
    Map<String, PeerInfo> byPeer = new HashMap<>();
    for (PeerInfo p : libp2p.peers()) {
      // a direct connection wins over a relayed one to the same peer
      byPeer.merge(p.peerId(), p, (a, b) -> a.relayed() ? b : a);
    }
    return byPeer;
  }

  /** For net:status: the bootstrap nodes and how reaching each went. */
  public List<Map<String, Object>> bootstrapStatus() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Bootstrap b : bootstrap) {
      Map<String, Object> m = new LinkedHashMap<>();
      Contact c = contacts.get(b.peerId());
      m.put("peer", b.peerId());
      m.put("name", b.name());
      m.put("last-contact", c == null || c.lastContact == null ? "never" : c.lastContact.toString());
      m.put("status", c == null ? "not tried yet" : c.lastError == null ? (c.lastContact == null ? "connecting" : "ok")
          : c.lastError);
      out.add(m);
    }
    return out;
  }

  /** Peers this node refused, with why (newest reason per peer). */
  public Map<String, String> refusals() {
    return Map.copyOf(refusals);
  }

  public Map<String, Instant> grantList() {
    return db.grants();
  }

  public void grant(String peerId) {
    db.grant(peerId);
    grants = Set.copyOf(db.grants().keySet());
    LOG.info("federation: admin authorization granted to {}", peerId);
  }

  public boolean revoke(String peerId) {
    boolean removed = db.revoke(peerId);
    grants = Set.copyOf(db.grants().keySet());
    if (removed) {
      LOG.info("federation: admin authorization of {} revoked", peerId);
    }
    return removed;
  }

  /** Figures for node:metrics: members, libp2p connections and streams, syncs, admin calls. */
  private Map<String, Number> metrics() {
    Map<String, Number> m = new LinkedHashMap<>();
    List<PeerInfo> peers = libp2p.peers();
    m.put("members", table.size() + 1);
    m.put("libp2p.connections", peers.size());
    m.put("libp2p.connections.relayed", peers.stream().filter(PeerInfo::relayed).count());
    m.put("libp2p.streams", peers.stream().mapToInt(PeerInfo::streams).sum());
    m.put("syncs", syncs.get());
    m.put("admin.calls.served", calls.get());
    return m;
  }

  public int callsServed() {
    return calls.get();
  }

  // ---- the sync loop ----

  /** Once a second: sync with each member that is due, each on its own worker. */
  private void round() {
    try {
      SignedPeerRecord me = currentSelf();
      long now = System.nanoTime();
      Map<String, List<String>> targets = new LinkedHashMap<>();
      for (Bootstrap b : bootstrap) {
        targets.put(b.peerId(), b.addresses());
      }
      for (SignedPeerRecord r : table.values()) {
        targets.merge(r.peerId(), r.addresses(), (a, b) -> {
          List<String> all = new ArrayList<>(b);
          a.stream().filter(x -> !all.contains(x)).forEach(all::add);
          return all;
        });
      }
      targets.remove(identity.peerId());
      for (Map.Entry<String, List<String>> t : targets.entrySet()) {
        Contact c = contact(t.getKey());
        if (now - c.nextAttemptNanos < 0 || !c.busy.compareAndSet(false, true)) {
          continue;
        }
        workers.execute(() -> {
          try {
            syncWith(t.getKey(), t.getValue(), me);
          } finally {
            c.busy.set(false);
          }
        });
      }
    } catch (RuntimeException e) {
      LOG.warn("federation: sync round failed: {}", e.toString());
    }
  }

  private Contact contact(String peerId) {
    return contacts.computeIfAbsent(peerId, k -> new Contact());
  }

  /** This node's signed record, signed again when its name or addresses changed. */
  private synchronized SignedPeerRecord currentSelf() {
    if (network.isEmpty()) {
      return null;
    }
    List<String> addresses = libp2p.listenAddresses();
    SignedPeerRecord s = self;
    if (s == null || !s.name().equals(identity.name()) || !s.addresses().equals(addresses) || !s.version().equals(version)
        || !s.network().equals(network.get().name())) {
      long seq = Math.max(System.currentTimeMillis(), s == null ? 0 : s.seq() + 1);
      s = SignedPeerRecord.sign(identity, network.get().name(), identity.name(), version, addresses, seq);
      self = s;
      db.save(s, null);
      // everyone should hear about it soon: make every member due now
      contacts.values().forEach(c -> c.nextAttemptNanos = System.nanoTime());
    }
    return s;
  }

  private void syncWith(String peerId, List<String> addresses, SignedPeerRecord me) {
    Contact c = contact(peerId);
    try {
      Frames f = dial(peerId, addresses, "sync");
      try (f) {
        f.write(encodeTable(me));
        List<SignedPeerRecord> theirs = decodeTable(f.read());
        merge(theirs, peerId);
      }
      syncs.incrementAndGet();
      c.lastContact = Instant.now();
      c.lastError = null;
      c.failures = 0;
      c.nextAttemptNanos = System.nanoTime() + syncIntervalNanos;
      SignedPeerRecord r = table.get(peerId);
      if (r != null) {
        db.save(r, c.lastContact);
      }
    } catch (Exception e) {
      String why = describe(e);
      if (!why.equals(c.lastError)) {
        LOG.warn("federation: cannot sync with {}: {}", peerId, why);
      }
      c.lastError = why;
      c.failures = Math.min(c.failures + 1, 16);
      long backoff = Math.min(maxBackoffNanos, TimeUnit.SECONDS.toNanos(1L << Math.min(c.failures, 6)));
      c.nextAttemptNanos = System.nanoTime() + backoff;
    }
  }

  private byte[] encodeTable(SignedPeerRecord me) {
    Codec.Writer w = new Codec.Writer();
    List<SignedPeerRecord> all = new ArrayList<>(table.values());
    if (me != null) {
      all.add(0, me);
    }
    w.u32(all.size());
    for (SignedPeerRecord r : all) {
      w.bytes(r.encode());
    }
    return w.toByteArray();
  }

  private List<SignedPeerRecord> decodeTable(byte[] message) {
    Codec.Reader in = new Codec.Reader(message);
    int n = in.u32();
    if (n < 0 || n > maxMembers + 1) {
      throw new ProtocolException("a peer table of " + Integer.toUnsignedString(n) + " records (limit " + (maxMembers + 1) + ")");
    }
    List<SignedPeerRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(SignedPeerRecord.decode(in.bytes(SignedPeerRecord.MAX_ENCODED + 128, "peer record")));
    }
    in.end();
    return out;
  }

  /** Takes every record that verifies, is of this network and is newer than the one held. */
  private void merge(List<SignedPeerRecord> records, String from) {
    String net = network.orElseThrow().name();
    boolean changed = false;
    for (SignedPeerRecord r : records) {
      if (r.peerId().equals(identity.peerId()) || !r.network().equals(net)) {
        continue;
      }
      SignedPeerRecord held = table.get(r.peerId());
      if (held != null && held.seq() >= r.seq()) {
        continue;
      }
      if (!r.verifies()) {
        LOG.warn("federation: {} passed on a record for {} whose signature does not verify; ignored", from, r.peerId());
        continue;
      }
      if (held == null && table.size() >= maxMembers) {
        LOG.warn("federation: peer table full ({} members); record of {} ignored", maxMembers, r.peerId());
        continue;
      }
      table.put(r.peerId(), r);
      Contact c = contact(r.peerId());
      db.save(r, c.lastContact);
      if (held == null) {
        LOG.info("federation: new member {} ({}) learned from {}", r.name(), r.peerId(), from);
      } else if (!held.name().equals(r.name()) || !held.addresses().equals(r.addresses())) {
        LOG.info("federation: member {} ({}) changed its record", r.name(), r.peerId());
      }
      changed = true;
    }
    if (changed) {
      // pass news on promptly: every member is due now
      contacts.forEach((peer, c) -> {
        if (!peer.equals(from)) {
          c.nextAttemptNanos = Math.min(c.nextAttemptNanos, System.nanoTime());
        }
      });
    }
  }

  // ---- dialer side ----

  /**
   * Opens a federation stream to {@code peerId} (connecting through {@code addresses} first if no
   * connection is open) and runs the membership dialogue as the dialer.
   */
  private Frames dial(String peerId, List<String> addresses, String operation) throws Exception {
    NetworkCredentials.Network net = network.orElseThrow(
        () -> new TransportException("this node is in no network (start it with -dnc network:password)"));
    Stream stream = open(peerId, addresses);
    Frames f = new Frames(stream, timeout);
    boolean ok = false;
    try {
      byte[] dialerNonce = Membership.nonce();
      f.write(new Codec.Writer().u8(VERSION).text(net.name()).bytes(dialerNonce).text(operation).toByteArray());
      Codec.Reader challenge = new Codec.Reader(f.read());
      if (challenge.u8() != 0) {
        String reason = challenge.text(1024, "reason");
        throw new MembershipException(peerId + " refused: " + reason);
      }
      byte[] listenerNonce = challenge.bytes(Membership.NONCE_BYTES, "nonce");
      byte[] listenerProof = challenge.bytes(64, "proof");
      challenge.end();
      byte[] expected = Membership.proof(net.key(), "listener", net.name(), peerId, identity.peerId(), dialerNonce,
          listenerNonce);
      if (!Membership.matches(expected, listenerProof)) {
        f.write(new Codec.Writer().u8(1).text("your membership proof for network " + net.name()
            + " did not verify: different network password").toByteArray());
        throw new MembershipException("wrong network credentials: " + peerId + " could not prove membership of network "
            + net.name() + " (its network password differs from this node's)");
      }
      f.write(new Codec.Writer().u8(0).bytes(Membership.proof(net.key(), "dialer", net.name(), identity.peerId(), peerId,
          dialerNonce, listenerNonce)).toByteArray());
      Codec.Reader result = new Codec.Reader(f.read());
      if (result.u8() != 0) {
        throw new MembershipException(peerId + " refused this node: " + result.text(1024, "reason"));
      }
      provenMembers.put(peerId, Instant.now());
      ok = true;
      return f;
    } finally {
      if (!ok) {
        f.close();
      }
    }
  }

  private Stream open(String peerId, List<String> addresses) throws Exception {
    // libp2p dials the direct addresses first, then the /p2p-circuit ones, unless a connection is open
    try {
      libp2p.addAddresses(peerId, addresses);
    } catch (IllegalArgumentException e) {
      throw new TransportException("not a peer ID: " + peerId, e);
    }
    return transport.open(new PeerRef("libp2p", peerId), PROTOCOL).toCompletableFuture()
        .get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
  }

  // ---- RemoteAdmin ----

  @Override
  public CompletionStage<String> run(String node, List<String> command, String credentials) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Member target;
    try {
      target = resolve(node);
      if (target.self()) {
        throw new IllegalArgumentException(node + " is this node; run the command without --node");
      }
      CommandRunner.checkWords(command);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String user = "";
    char[] password = new char[0];
    if (credentials != null && !credentials.isEmpty()) {
      int colon = credentials.indexOf(':');
      if (colon <= 0) {
        return CompletableFuture.failedFuture(new IllegalArgumentException("credentials must be user:password"));
      }
      user = credentials.substring(0, colon);
      password = credentials.substring(colon + 1).toCharArray();
    }
    String u = user;
    char[] p = password;
    workers.execute(() -> {
      try (Frames f = dial(target.peerId(), addressesOf(target.peerId()), "admin")) {
        Codec.Writer w = new Codec.Writer().text(u).bytes(new String(p).getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .texts(command);
        Arrays.fill(p, '\0');
        f.write(w.toByteArray());
        Codec.Reader in = new Codec.Reader(f.read());
        int status = in.u8();
        String text = in.text(Frames.MAX_FRAME, "output");
        in.end();
        contact(target.peerId()).lastContact = Instant.now();
        switch (status) {
          case 0 -> result.complete(text);
          case 1 -> result.completeExceptionally(new AuthenticationException(text));
          default -> result.completeExceptionally(new RemoteCommandException(target.name() + ": " + text));
        }
      } catch (Exception e) {
        result.completeExceptionally(e instanceof RuntimeException re && !(e instanceof CompletionException) ? re
            : new TransportException("cannot run the command on " + target.name() + ": " + describe(e), e));
      }
    });
    return result;
  }

  private List<String> addressesOf(String peerId) {
    List<String> out = new ArrayList<>();
    SignedPeerRecord r = table.get(peerId);
    if (r != null) {
      out.addAll(r.addresses());
    }
    for (Bootstrap b : bootstrap) {
      if (b.peerId().equals(peerId)) {
        b.addresses().stream().filter(a -> !out.contains(a)).forEach(out::add);
      }
    }
    return out;
  }

  // ---- listener side ----

  private void accept(Stream stream) {
    try {
      workers.execute(() -> serve(stream));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      stream.channel().close();
    }
  }

  private void serve(Stream stream) {
    String peer = stream.peer().id();
    try (Frames f = new Frames(stream, timeout)) {
      Codec.Reader hello = new Codec.Reader(f.read());
      int v = hello.u8();
      String net = hello.text(128, "network");
      byte[] dialerNonce = hello.bytes(Membership.NONCE_BYTES, "nonce");
      String operation = hello.text(16, "operation");
      hello.end();
      if (v != VERSION) {
        throw new ProtocolException("federation protocol version " + v + " (this node speaks " + VERSION + ")");
      }
      if (dialerNonce.length != Membership.NONCE_BYTES) {
        throw new ProtocolException("a nonce of " + dialerNonce.length + " bytes");
      }
      if (network.isEmpty() || !network.get().name().equals(net)) {
        String reason = network.isEmpty() ? "this node is in no network"
            : "this node is not a member of network '" + net + "'";
        f.write(new Codec.Writer().u8(1).text(reason).toByteArray());
        refusals.put(peer, "asked for network '" + net + "'");
        LOG.warn("federation: refused {}: it asked for network '{}'", peer, net);
        return;
      }
      NetworkCredentials.Network n = network.get();
      byte[] listenerNonce = Membership.nonce();
      f.write(new Codec.Writer().u8(0).bytes(listenerNonce).bytes(Membership.proof(n.key(), "listener", n.name(),
          identity.peerId(), peer, dialerNonce, listenerNonce)).toByteArray());
      Codec.Reader proof = new Codec.Reader(f.read());
      if (proof.u8() != 0) {
        String reason = proof.text(1024, "reason");
        refusals.put(peer, "it refused this node: " + reason);
        LOG.warn("federation: {} refused this node's membership proof for network {}: {}", peer, n.name(), reason);
        return;
      }
      byte[] given = proof.bytes(64, "proof");
      proof.end();
      byte[] expected = Membership.proof(n.key(), "dialer", n.name(), peer, identity.peerId(), dialerNonce, listenerNonce);
      if (!Membership.matches(expected, given)) {
        f.write(new Codec.Writer().u8(1).text("membership proof for network " + n.name()
            + " did not verify: wrong network credentials").toByteArray());
        refusals.put(peer, "wrong network credentials");
        LOG.warn("federation: refused {}: wrong network credentials for network {}", peer, n.name());
        return;
      }
      f.write(new Codec.Writer().u8(0).toByteArray());
      provenMembers.put(peer, Instant.now());
      refusals.remove(peer);
      switch (operation) {
        case "sync" -> {
          List<SignedPeerRecord> theirs = decodeTable(f.read());
          merge(theirs, peer);
          f.write(encodeTable(currentSelf()));
          Contact c = contact(peer);
          c.lastContact = Instant.now();
          c.lastError = null;
        }
        case "admin" -> serveAdmin(f, peer);
        default -> throw new ProtocolException("unknown operation '" + operation + "'");
      }
    } catch (Exception e) {
      LOG.info("federation: stream from {} closed: {}", peer, describe(e));
    }
  }

  private void serveAdmin(Frames f, String peer) throws Exception {
    Codec.Reader in = new Codec.Reader(f.read());
    String user = in.text(256, "user");
    byte[] pw = in.bytes(1024, "password");
    List<String> words = in.texts(MAX_COMMAND_WORDS, 64 << 10, "command words");
    in.end();
    char[] password = new String(pw, java.nio.charset.StandardCharsets.UTF_8).toCharArray();
    Arrays.fill(pw, (byte) 0);
    String refusal = null;
    try {
      if (!user.isEmpty()) {
        if (!admin.authenticate(user, password, "peer " + peer)) {
          refusal = "admin credentials refused by " + identity.name() + " (" + identity.peerId() + ")";
        }
      } else if (!grants.contains(peer)) {
        refusal = identity.name() + " (" + identity.peerId() + ") requires admin authorization: pass --credentials"
            + " user:password, or have its admin run: net:trust " + peer + " admin";
      }
    } catch (AuthenticationException e) {
      refusal = e.getMessage();
    } finally {
      Arrays.fill(password, '\0');
    }
    if (refusal != null) {
      LOG.warn("federation: admin call from {} refused: {}", peer, refusal);
      f.write(new Codec.Writer().u8(1).text(refusal).toByteArray());
      return;
    }
    calls.incrementAndGet();
    LOG.info("federation: admin call from {}: {}", peer, String.join(" ", words.subList(0, 1)));
    CommandRunner.Outcome outcome = commands.run(words);
    f.write(new Codec.Writer().u8(outcome.ok() ? 0 : 2).text(outcome.text()).toByteArray());
  }

  static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof java.util.concurrent.TimeoutException && t.getMessage() == null) {
      return "timed out";
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
