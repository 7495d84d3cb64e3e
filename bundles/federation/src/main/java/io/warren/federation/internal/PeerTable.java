package io.warren.federation.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.ProtocolException;
import io.warren.identity.NetworkCredentials;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network's signed peer table as this node holds it: the newest verified record of each
 * member, this node's own record (signed again when its name or addresses change), how reaching
 * each member went, and which peers proved membership or were refused. Records are kept in the
 * store so the table survives a restart.
 *
 * <p>Against poisoning: a record is taken only with a membership tag made with the network key
 * (so only from nodes holding the network password), only while it is younger than
 * {@link Limits#maxAge()} (each node signs its record again at a quarter of that, and older ones are
 * dropped), and at most {@link Limits#perSource()} new records from any one member; addresses a
 * peer cannot own are not dialed unless the network is local ({@link AddressPolicy}).
 */
final class PeerTable {
  /** The poisoning limits, from the federation's configuration. */
  record Limits(Duration maxAge, int perSource, BooleanSupplier localNetwork) {}

  private static final Logger LOG = LoggerFactory.getLogger(PeerTable.class);

  /** How reaching one member went, for net:nodes and net:status. */
  static final class Contact {
    volatile Instant lastContact;
    volatile String lastError;
    volatile long nextAttemptNanos;
    volatile int failures;
    final AtomicBoolean busy = new AtomicBoolean();
  }

  private final NodeIdentity identity;
  private final FederationStore db;
  private final Optional<NetworkCredentials.Network> network;
  private final String version;
  private final Supplier<List<String>> listenAddresses;
  private final Supplier<Map<String, String>> attributes;
  private final int maxMembers;
  private final Limits limits;
  /** Which member passed on each record this node learned from another (for the per-source cap). */
  private final Map<String, String> learnedFrom = new ConcurrentHashMap<>();

  private final Map<String, SignedPeerRecord> records = new ConcurrentHashMap<>();
  private final Map<String, Contact> contacts = new ConcurrentHashMap<>();
  /** Peers that proved membership to this node (or to whom this node proved it), and when. */
  private final Map<String, Instant> provenMembers = new ConcurrentHashMap<>();
  private final Map<String, String> refusals = new ConcurrentHashMap<>();
  private volatile SignedPeerRecord self;

  PeerTable(NodeIdentity identity, FederationStore db, Optional<NetworkCredentials.Network> network, String version,
      Supplier<List<String>> listenAddresses, int maxMembers, Limits limits) {
    this(identity, db, network, version, listenAddresses, Map::of, maxMembers, limits);
  }

  /** With {@code attributes}: what this node's services put into its record (read at each {@link #currentSelf}). */
  PeerTable(NodeIdentity identity, FederationStore db, Optional<NetworkCredentials.Network> network, String version,
      Supplier<List<String>> listenAddresses, Supplier<Map<String, String>> attributes, int maxMembers,
      Limits limits) {
    this.attributes = attributes;
    this.limits = limits;
    this.identity = identity;
    this.db = db;
    this.network = network;
    this.version = version;
    this.listenAddresses = listenAddresses;
    this.maxMembers = maxMembers;
    network.ifPresent(n -> {
      for (FederationStore.Row row : db.peers(n.name())) {
        SignedPeerRecord r = row.record();
        if (r.peerId().equals(identity.peerId())) {
          self = r;
        } else if (r.verifies() && r.isMemberOf(n.name(), n.key()) && !expired(r)) {
          records.put(r.peerId(), r);
          contact(r.peerId()).lastContact = row.lastContact();
        }
      }
    });
  }

  /** Older than the maximum age, or dated further ahead than that (which would never expire). */
  private boolean expired(SignedPeerRecord r) {
    long now = System.currentTimeMillis();
    long maxAge = limits.maxAge().toMillis();
    return r.seq() < now - maxAge || r.seq() > now + maxAge;
  }

  /** Drops the records their nodes did not sign again within the maximum age. */
  void expire() {
    for (SignedPeerRecord r : records.values()) {
      if (expired(r) && records.remove(r.peerId(), r)) {
        learnedFrom.remove(r.peerId());
        network.ifPresent(n -> db.forget(n.name(), r.peerId()));
        LOG.info("federation: record of {} ({}) expired: not renewed for {} s", r.name(), r.peerId(),
            limits.maxAge().toSeconds());
      }
    }
  }

  /** The addresses of {@code peerId}'s record this node may dial (none without a record). */
  List<String> usableAddresses(String peerId) {
    SignedPeerRecord r = records.get(peerId);
    return r == null ? List.of() : AddressPolicy.usable(r.addresses(), limits.localNetwork().getAsBoolean());
  }

  /** The other members' records. */
  Collection<SignedPeerRecord> records() {
    return records.values();
  }

  SignedPeerRecord record(String peerId) {
    return records.get(peerId);
  }

  /** The signed attributes of {@code peerId}'s record (this node's own included), if a record is held. */
  Optional<SortedMap<String, String>> attributesOf(String peerId) {
    SignedPeerRecord r = peerId.equals(identity.peerId()) ? currentSelf() : records.get(peerId);
    return Optional.ofNullable(r).map(SignedPeerRecord::attributes);
  }

  int size() {
    return records.size();
  }

  Contact contact(String peerId) {
    return contacts.computeIfAbsent(peerId, k -> new Contact());
  }

  /** How reaching {@code peerId} went, or null if it was never tried. */
  Contact contactIfAny(String peerId) {
    return contacts.get(peerId);
  }

  /** Notes that {@code peerId} proved membership, to this node as the dialer. */
  void proven(String peerId) {
    provenMembers.put(peerId, Instant.now());
  }

  /** Notes that {@code peerId} proved membership when it dialed this node: it is refused no more. */
  void accepted(String peerId) {
    proven(peerId);
    refusals.remove(peerId);
  }

  /** Most refused peers remembered for net:status: a stranger mints peer IDs for free. */
  static final int MAX_REFUSALS = 256;

  void refused(String peerId, String why) {
    if (!refusals.containsKey(peerId) && refusals.size() >= MAX_REFUSALS) {
      refusals.keySet().stream().findAny().ifPresent(refusals::remove);
    }
    refusals.put(peerId, why);
  }

  Map<String, String> refusals() {
    return Map.copyOf(refusals);
  }

  /** Whether {@code peerId} proved membership of this node's network, directly or by a record in the table. */
  boolean isMember(String peerId) {
    return provenMembers.containsKey(peerId) || records.containsKey(peerId);
  }

  /** Saves {@code peerId}'s record with the time of the exchange that just completed with it. */
  void contacted(String peerId) {
    Contact c = contact(peerId);
    c.lastContact = Instant.now();
    SignedPeerRecord r = records.get(peerId);
    if (r != null) {
      db.save(r, c.lastContact);
    }
  }

  /**
   * This node's signed record, signed again when its name, addresses or services' attributes
   * changed; null in no network.
   */
  synchronized SignedPeerRecord currentSelf() {
    if (network.isEmpty()) {
      return null;
    }
    List<String> addresses = listenAddresses.get();
    Map<String, String> offered = attributes.get();
    SortedMap<String, String> admissible = SignedPeerRecord.admissible(offered);
    SignedPeerRecord s = self;
    long now = System.currentTimeMillis();
    if (s == null || !s.name().equals(identity.name()) || !s.addresses().equals(addresses)
        || !s.version().equals(version) || !s.attributes().equals(admissible)
        || !s.isMemberOf(network.get().name(), network.get().key())
        || s.seq() < now - limits.maxAge().toMillis() / 4) {
      long seq = Math.max(now, s == null ? 0 : s.seq() + 1);
      if (admissible.size() < offered.size()) {
        LOG.warn("federation: attributes {} left out of this node's record (bad key or value, or over {} in all)",
            offered.keySet().stream().filter(k -> !admissible.containsKey(k)).sorted().toList(),
            io.warren.api.RecordAttributes.MAX_ATTRIBUTES);
      }
      s = SignedPeerRecord.sign(identity, network.get().name(), network.get().key(), identity.name(), version,
          addresses, admissible, seq);
      self = s;
      db.save(s, null);
      // everyone should hear about it soon: make every member due now
      contacts.values().forEach(c -> c.nextAttemptNanos = System.nanoTime());
    }
    return s;
  }

  /** The table as sent to a member: this node's record first, then every other one. */
  byte[] encode(SignedPeerRecord me) {
    Codec.Writer w = new Codec.Writer();
    List<SignedPeerRecord> all = new ArrayList<>(records.values());
    if (me != null) {
      all.add(0, me);
    }
    w.u32(all.size());
    for (SignedPeerRecord r : all) {
      w.bytes(r.encode());
    }
    return w.toByteArray();
  }

  /**
   * A member's table, checked against the size limit before a record is read. Records of a type this
   * node does not know (a newer version) are skipped, so one new node does not cut the others off.
   */
  List<SignedPeerRecord> decode(byte[] message) {
    Codec.Reader in = new Codec.Reader(message);
    int n = in.u32();
    if (n < 0 || n > maxMembers + 1) {
      throw new ProtocolException(
          "a peer table of " + Integer.toUnsignedString(n) + " records (limit " + (maxMembers + 1)
              + ")");
    }
    List<SignedPeerRecord> out = new ArrayList<>(n);
    int unknown = 0;
    for (int i = 0; i < n; i++) {
      byte[] record = in.bytes(SignedPeerRecord.MAX_ENCODED + 128, "peer record");
      try {
        out.add(SignedPeerRecord.decode(record));
      } catch (SignedPeerRecord.UnknownType e) {
        unknown++;
      }
    }
    in.end();
    if (unknown > 0) {
      LOG.debug("federation: {} record(s) of a type this version does not know skipped", unknown);
    }
    return out;
  }

  /**
   * Takes every record that verifies, carries this network's membership tag, is not expired and is
   * newer than the one held, within the table's size and {@code from}'s share of it.
   */
  void merge(List<SignedPeerRecord> received, String from) {
    NetworkCredentials.Network n = network.orElseThrow();
    if (!isMember(from)) {
      LOG.warn("federation: records from {}, which proved no membership, ignored", from);
      return;
    }
    boolean changed = false;
    int overShare = 0;
    int notMembers = 0;
    for (SignedPeerRecord r : received) {
      if (r.peerId().equals(identity.peerId()) || !r.network().equals(n.name())) {
        continue;
      }
      SignedPeerRecord held = records.get(r.peerId());
      if (held != null && held.seq() >= r.seq() || expired(r)) {
        continue;
      }
      if (!r.verifies()) {
        LOG.warn("federation: {} passed on a record for {} whose signature does not verify; ignored", from, r.peerId());
        continue;
      }
      if (!r.isMemberOf(n.name(), n.key())) {
        notMembers++;
        continue;
      }
      if (held == null) {
        if (records.size() >= maxMembers) {
          LOG.warn("federation: peer table full ({} members); record of {} ignored", maxMembers, r.peerId());
          continue;
        }
        // the member's own record is always taken; the others it passes on count against its share
        if (!r.peerId().equals(from) && learnedFrom.values().stream().filter(from::equals).count() >= limits
            .perSource()) {
          overShare++;
          continue;
        }
        if (!r.peerId().equals(from)) {
          learnedFrom.put(r.peerId(), from);
        }
      }
      records.put(r.peerId(), r);
      Contact c = contact(r.peerId());
      db.save(r, c.lastContact);
      if (held == null) {
        LOG.info("federation: new member {} ({}) learned from {}", r.name(), r.peerId(), from);
      } else if (!held.name().equals(r.name()) || !held.addresses().equals(r.addresses())
          || !held.attributes().equals(r.attributes())) {
        LOG.info("federation: member {} ({}) changed its record", r.name(), r.peerId());
      }
      changed = true;
    }
    if (notMembers > 0) {
      LOG.warn("federation: {} passed on {} record(s) without a valid membership tag; ignored", from, notMembers);
    }
    if (overShare > 0) {
      LOG.warn("federation: {} passed on {} new record(s) over its share of {}; ignored", from, overShare,
          limits.perSource());
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
}
