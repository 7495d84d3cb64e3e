package io.warren.federation.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.NodeProperties;
import io.warren.api.PeerId;
import io.warren.api.Store;
import io.warren.api.Threads;
import io.warren.api.Transport;
import io.warren.federation.Member;
import io.warren.federation.NodeDirectory;
import io.warren.identity.NetworkCredentials;
import io.warren.libp2p.Libp2pNode;
import io.warren.libp2p.PeerInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
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
 * This node's membership of its network: the configuration, the {@link PeerTable}, the workers the
 * blocking federation dialogues run on, the once-a-second {@link PeerTableSync} round that also
 * reconnects to known members after a restart, and the admin grants. The roles around it are
 * components of their own: {@link FederationHandler} (inbound streams), {@link RemoteAdminCalls},
 * {@link MemberNames}, {@link MemberTrust} and {@link NetworkMetrics}.
 */
@Component(service = {NodeDirectory.class, FederationService.class}, immediate = true,
    configurationPid = "io.warren.federation")
@Designate(ocd = FederationService.Config.class)
public final class FederationService implements NodeDirectory {

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

    @AttributeDefinition(description = "Whether members' loopback, link-local and unspecified addresses are dialed:"
        + " true (every node on one machine or link), false (a peer cannot own such an address: dropped), or auto"
        + " (true while this node listens on loopback only)")
    String local_network() default "auto";

    @AttributeDefinition(description = "Seconds a member's record is kept without being signed again (each node"
        + " signs its own again at a quarter of this)")
    int record_max_age_seconds() default 86400;

    @AttributeDefinition(description = "New records one member may pass on (beyond its own); more are ignored")
    int max_records_per_source() default 100;
  }

  private static final Logger LOG = LoggerFactory.getLogger(FederationService.class);

  private final NodeIdentity identity;
  private final Libp2pNode libp2p;
  private final FederationStore db;
  private final Optional<NetworkCredentials.Network> network;
  private final NetworkCredentials credentials;
  private final List<Bootstrap> bootstrap;
  private final String version;
  private final PeerTable table;
  private final MembershipDialogue dialogue;
  private final PeerTableSync sync;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private volatile Set<String> grants;

  @Activate
  public FederationService(BundleContext context, @Reference NodeIdentity identity,
      @Reference NetworkCredentials credentials, @Reference Store store,
      @Reference(target = "(" + Transport.NAME + "=libp2p)") Transport transport, @Reference Libp2pNode libp2p,
      @Reference ServiceAttributes attributes, Config config) {
    if (config.sync_interval_seconds() < 1 || config.call_timeout_seconds() < 1 || config.max_members() < 1
        || config.max_backoff_seconds() < 1 || config.record_max_age_seconds() < 1
        || config.max_records_per_source() < 1) {
      throw new IllegalArgumentException("io.warren.federation: every setting must be at least 1");
    }
    String local = config.local_network().trim();
    if (!List.of("auto", "true", "false").contains(local)) {
      throw new IllegalArgumentException(
          "io.warren.federation: local.network must be auto, true or false, got '" + local + "'");
    }
    this.identity = identity;
    this.libp2p = libp2p;
    this.db = new FederationStore(store);
    this.network = credentials.defaultNetwork();
    this.credentials = credentials;
    // a live list: register adds to it while sync rounds read it
    this.bootstrap = new CopyOnWriteArrayList<>(Bootstrap.parseAll(credentials.bootstrapIdentities(),
        identity.peerId()));
    String v = context.getProperty(NodeProperties.VERSION);
    this.version = v != null ? v : context.getBundle().getVersion().toString();
    this.grants = Set.copyOf(db.grants().keySet());
    BooleanSupplier localNetwork = switch (local) {
      case "true" -> () -> true;
      case "false" -> () -> false;
      default -> () -> AddressPolicy.onlyLoopback(libp2p.listenAddresses());
    };
    this.table = new PeerTable(identity, db, network, version, libp2p::listenAddresses, attributes,
        config.max_members(),
        new PeerTable.Limits(Duration.ofSeconds(config.record_max_age_seconds()), config.max_records_per_source(),
            localNetwork));
    this.dialogue = new MembershipDialogue(identity, network, transport, libp2p, table,
        Duration.ofSeconds(config.call_timeout_seconds()));

    // made on demand, often by a console command's thread (remote admin calls; see Threads)
    ThreadPoolExecutor pool = new ThreadPoolExecutor(8, 8, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        Threads.numbered("warren-federation"));
    pool.allowCoreThreadTimeOut(true);
    this.workers = pool;
    this.timer = Executors.newSingleThreadScheduledExecutor(Threads.named("warren-federation-timer"));
    this.sync = new PeerTableSync(table, dialogue, bootstrap, identity.peerId(), workers,
        TimeUnit.SECONDS.toNanos(config.sync_interval_seconds()),
        TimeUnit.SECONDS.toNanos(config.max_backoff_seconds()));
    if (network.isEmpty()) {
      if (!bootstrap.isEmpty()) {
        LOG.warn("federation: --bootstrap was given but no network (-dnc network:password); this node joins nothing");
      }
      return;
    }
    LOG.info("federation: member of network {}; {} bootstrap node(s), {} known member(s)", network.get().name(),
        bootstrap.size(), table.size());
    timer.scheduleWithFixedDelay(sync::round, 200, 1000, TimeUnit.MILLISECONDS);
  }

  @Deactivate
  void deactivate() {
    timer.shutdownNow();
    workers.shutdownNow();
  }

  // ---- for the components around it ----

  /**
   * Joins the network through one more node, as {@code --bootstrap} does at start, and keeps it for
   * later starts: {@code base64} is that node's {@code node:identity -b64}. Its name, or why not.
   *
   * @throws IllegalStateException when this node is in no network
   * @throws IllegalArgumentException when {@code base64} is no node identity, or this node's own
   */
  public String register(String base64) {
    if (network.isEmpty()) {
      throw new IllegalStateException(
          "this node is in no network: start it with -dnc network:password, then register other nodes");
    }
    Bootstrap b;
    try {
      b = Bootstrap.parse(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a node identity (paste the output of node:identity --b64): "
          + e.getMessage(), e);
    }
    if (b.peerId().equals(identity.peerId())) {
      throw new IllegalArgumentException("that is this node's own identity");
    }
    credentials.addBootstrap(base64);
    synchronized (bootstrap) {
      if (bootstrap.stream().noneMatch(x -> x.peerId().equals(b.peerId()))) {
        bootstrap.add(b);
      }
    }
    LOG.info("federation: joining network {} through {} ({})", network.get().name(), b.peerId(), b.name());
    return b.name().isEmpty() ? b.peerId() : b.name() + " " + b.peerId();
  }

  /** The signed attributes of {@code peerId}'s record (this node's own included), if this node holds one. */
  public Optional<SortedMap<String, String>> attributesOf(String peerId) {
    return table.attributesOf(peerId);
  }

  PeerTable table() {
    return table;
  }

  MembershipDialogue dialogue() {
    return dialogue;
  }

  PeerTableSync sync() {
    return sync;
  }

  /** Runs {@code task} on a federation worker. */
  void execute(Runnable task) {
    workers.execute(task);
  }

  /**
   * Where {@code peerId} may be reached: the addresses its record gives that this node may dial
   * ({@link AddressPolicy}), and those of the bootstrap identities (the operator's word, kept as given).
   */
  List<String> addressesOf(String peerId) {
    List<String> out = new ArrayList<>(table.usableAddresses(peerId));
    for (Bootstrap b : bootstrap) {
      if (b.peerId().equals(peerId)) {
        b.addresses().stream().filter(a -> !out.contains(a)).forEach(out::add);
      }
    }
    return out;
  }

  /** The libp2p connections open now. */
  List<PeerInfo> connections() {
    return libp2p.peers();
  }

  // ---- NodeDirectory ----

  @Override
  public Optional<String> network() {
    return network.map(NetworkCredentials.Network::name);
  }

  @Override
  public List<Member> members() {
    Map<String, PeerInfo> connected = new HashMap<>();
    for (PeerInfo p : libp2p.peers()) {
      // a direct connection wins over a relayed one to the same peer
      connected.merge(p.peerId(), p, (a, b) -> a.relayed() ? b : a);
    }
    List<Member> out = new ArrayList<>();
    SignedPeerRecord me = table.currentSelf();
    out.add(
        new Member(identity.peerId(), identity.name(), version, me == null ? libp2p.listenAddresses() : me.addresses(),
            me == null ? Instant.now() : Instant.ofEpochMilli(me.seq()), Instant.now(), "self", true));
    List<Member> others = new ArrayList<>();
    for (SignedPeerRecord r : table.records()) {
      PeerInfo connection = connected.get(r.peerId());
      PeerTable.Contact c = table.contactIfAny(r.peerId());
      others.add(new Member(r.peerId(), r.name(), r.version(), r.addresses(), Instant.ofEpochMilli(r.seq()),
          c == null ? null : c.lastContact, connection == null ? "-" : connection.transport(), false,
          connection == null ? null : connection.rtt()));
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
    return byNameOrPrefix(all, ref).orElseThrow(() -> new IllegalArgumentException("no node '" + ref + "' in "
        + network.map(n -> "network " + n.name()).orElse("the peer table (this node is in no network)")
        + "; net:nodes lists the known ones"));
  }

  /**
   * The member called {@code ref}, or the one whose peer ID starts with it (8 characters at least).
   * A name never shadows a peer ID: a name that is a peer ID is no name, and a {@code ref} that is
   * one member's name and the start of another's peer ID is refused as ambiguous.
   *
   * @throws IllegalArgumentException listing the candidates when more than one matches
   */
  static Optional<Member> byNameOrPrefix(List<Member> all, String ref) {
    List<Member> byName =
        isWholePeerId(ref) ? List.of() : all.stream().filter(m -> m.name().equals(ref)).toList();
    List<Member> byPrefix =
        ref.length() >= 8 ? all.stream().filter(m -> m.peerId().startsWith(ref)).toList() : List.of();
    if (!byName.isEmpty() && !byPrefix.isEmpty() && !byName.equals(byPrefix)) {
      throw new IllegalArgumentException("'" + ref + "' is the name of " + byName.stream().map(Member::peerId).toList()
          + " and the start of the peer ID of " + byPrefix.stream().map(Member::peerId).toList()
          + "; give the whole peer ID");
    }
    if (byName.size() == 1) {
      return Optional.of(byName.get(0));
    }
    if (byName.size() > 1) {
      throw new IllegalArgumentException(byName.size() + " nodes are named '" + ref + "': "
          + byName.stream().map(Member::peerId).toList() + "; give the peer ID");
    }
    if (byPrefix.size() == 1) {
      return Optional.of(byPrefix.get(0));
    }
    if (byPrefix.size() > 1) {
      throw new IllegalArgumentException("'" + ref + "' matches " + byPrefix.size() + " peer IDs: "
          + byPrefix.stream().map(m -> m.peerId() + " (" + m.name() + ")").toList() + "; give more of it");
    }
    return Optional.empty();
  }

  /**
   * Names that do not name one member: names several members claim, names that are a peer ID, and
   * names that are the start of another member's peer ID; each with the peer IDs involved. Such
   * names resolve to nothing (or to an error listing them): give the peer ID.
   */
  static Map<String, List<String>> nameConflicts(List<Member> all) {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    Map<String, List<String>> byName = new HashMap<>();
    for (Member m : all) {
      byName.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m.peerId());
    }
    byName.forEach((name, peers) -> {
      List<String> involved = new ArrayList<>(peers);
      if (name.length() >= 8) {
        all.stream().map(Member::peerId).filter(id -> id.startsWith(name) && !involved.contains(id))
            .forEach(involved::add);
      }
      if (involved.size() > 1 || isWholePeerId(name)) {
        out.put(name, involved);
      }
    });
    return out;
  }

  /** Whether {@code s} is a whole peer ID (46 characters at least; a shorter prefix may parse too). */
  static boolean isWholePeerId(String s) {
    return s.length() >= 46 && PeerId.isPeerId(s);
  }

  /** For net:nodes and net:status: the names that do not name one member (see {@link #nameConflicts}). */
  public Map<String, List<String>> nameConflicts() {
    return nameConflicts(members());
  }

  /** Whether {@code peerId} proved membership of this node's network, directly or by a record in the table. */
  public boolean isMember(String peerId) {
    return table.isMember(peerId);
  }

  /** This node's name for {@code peerId}, if it is this node or a member in the table. */
  Optional<String> nameOf(String peerId) {
    if (peerId.equals(identity.peerId())) {
      return Optional.of(identity.name());
    }
    return Optional.ofNullable(table.record(peerId)).map(SignedPeerRecord::name);
  }

  // ---- net:status and net:trust ----

  /** For net:status: the bootstrap nodes and how reaching each went. */
  public List<Map<String, Object>> bootstrapStatus() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Bootstrap b : bootstrap) {
      Map<String, Object> m = new LinkedHashMap<>();
      PeerTable.Contact c = table.contactIfAny(b.peerId());
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
    return table.refusals();
  }

  public Map<String, Instant> grantList() {
    return db.grants();
  }

  /** Whether {@code peerId} holds a standing admin grant from this node's admin. */
  boolean isGranted(String peerId) {
    return grants.contains(peerId);
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

  static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof TimeoutException && t.getMessage() == null) {
      return "timed out";
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
