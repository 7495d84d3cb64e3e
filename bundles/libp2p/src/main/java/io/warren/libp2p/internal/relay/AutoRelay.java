package io.warren.libp2p.internal.relay;

import io.warren.api.PeerId;
import io.warren.api.Threads;
import io.warren.libp2p.RelayInfo;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay client's bookkeeping, and (when {@code active}: a node peers cannot dial) the automatic
 * part: keeps up to {@code max} reservations on connected peers whose identify lists
 * {@value CircuitRelay#HOP} (trusted peers first, then the longest connected), refreshes each at
 * 3/4 of its lifetime, drops it when its relay connection goes away or a refresh is refused and
 * then tries another candidate (or the same relay again, redialled, after a backoff that doubles
 * per failure). The circuit addresses of the held reservations are advertised through
 * {@link Host#setCircuitAddresses}. When the node stops being active (AutoNAT found it public)
 * the automatic reservations are released: no longer advertised nor refreshed (circuit v2 has no
 * cancel message; the relay forgets them when they expire). Manual reservations ({@code p2p:reserve})
 * are tracked and refreshed the same way, and kept whatever the reachability.
 *
 * <p>All state changes run on one scheduler thread; {@link #relays()} reads a snapshot.
 */
public final class AutoRelay implements AutoCloseable {
  static final Duration TICK = Duration.ofSeconds(1);
  static final Duration MIN_BACKOFF = Duration.ofSeconds(5);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
  /** Failed relays remembered for display and redial. */
  static final int MAX_REMEMBERED = 16;

  private static final Logger LOG = LoggerFactory.getLogger(AutoRelay.class);

  private final Host host;
  private final CircuitRelay relay;
  private final Predicate<PeerId> trusted;
  private final int max;
  private final java.util.function.BooleanSupplier active;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  /** Current and past relays, by peer; only touched on the scheduler thread. */
  private final Map<PeerId, Entry> entries = new LinkedHashMap<>();
  private volatile List<RelayInfo> snapshot = List.of();

  private static final class Entry {
    final PeerId relay;
    Multiaddr address;
    Connection connection;
    List<Multiaddr> circuits = List.of();
    Instant expires;
    Instant refreshAt;
    String state = "reserving";
    boolean busy;
    /** Reserved by an operator: kept even when this node is not active. */
    boolean manual;
    /** When the current reservation was first granted (kept across refreshes); null when none is held. */
    Instant heldSince;
    int failures;
    Instant retryAt = Instant.EPOCH;

    Entry(PeerId relay) {
      this.relay = relay;
    }

    boolean held() {
      return "reserved".equals(state) || "refreshing".equals(state);
    }
  }

  public AutoRelay(Host host, CircuitRelay relay, Predicate<PeerId> trusted, int max, boolean active) {
    this(host, relay, trusted, max, () -> active, Clock.systemUTC());
  }

  /** {@code active} is asked on each tick: whether this node is private now (e.g. as AutoNAT found). */
  public AutoRelay(Host host, CircuitRelay relay, Predicate<PeerId> trusted, int max,
      java.util.function.BooleanSupplier active) {
    this(host, relay, trusted, max, active, Clock.systemUTC());
  }

  AutoRelay(Host host, CircuitRelay relay, Predicate<PeerId> trusted, int max,
      java.util.function.BooleanSupplier active,
      Clock clock) {
    if (max < 0) {
      throw new IllegalArgumentException("relay.client.max must not be negative, got " + max);
    }
    this.host = host;
    this.relay = relay;
    this.trusted = trusted;
    this.max = max;
    this.active = active;
    this.clock = clock;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(Threads.named("warren-libp2p-autorelay"));
  }

  /** Starts ticking; identified connections trigger a tick at once so a new relay is used without delay. */
  public void start() {
    host.addConnectionListener(c -> c.identified().whenComplete((d, e) -> tickSoon()));
    scheduler.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether this node looks for relays on its own. */
  public boolean active() {
    return active.getAsBoolean();
  }

  /** Reserves at the relay on {@code c} now (an operator's {@code p2p:reserve}); then keeps it refreshed. */
  public CompletableFuture<CircuitRelay.Reservation> reserve(Connection c) {
    CompletableFuture<CircuitRelay.Reservation> done = new CompletableFuture<>();
    scheduler.execute(() -> {
      Entry e = entries.computeIfAbsent(c.remotePeer(), Entry::new);
      e.manual = true;
      e.failures = 0;
      e.retryAt = Instant.EPOCH;
      start(e, c, done);
    });
    return done;
  }

  public List<RelayInfo> relays() {
    return snapshot;
  }

  /** Looks at relays now rather than at the next tick (e.g. when this node turned private). */
  public void tickSoon() {
    if (!scheduler.isShutdown()) {
      scheduler.execute(this::tick);
    }
  }

  /** Forgets the oldest failed relays beyond {@link #MAX_REMEMBERED}. */
  private void prune() {
    while (entries.size() > MAX_REMEMBERED) {
      PeerId oldest = entries.values().stream().filter(x -> !x.held() && !x.busy).map(x -> x.relay)
          .findFirst().orElse(null);
      if (oldest == null) {
        return;
      }
      entries.remove(oldest);
    }
  }

  private void tick() {
    try {
      prune();
      Instant now = clock.instant();
      boolean wanted = active.getAsBoolean();
      int held = 0;
      for (Entry e : entries.values()) {
        if (!wanted && !e.busy && !e.manual && e.held()) {
          release(e);
          continue;
        }
        if (e.busy) {
          held += e.held() || "reserving".equals(e.state) ? 1 : 0;
          continue;
        }
        if (e.held() && (e.connection == null || !e.connection.isOpen())) {
          fail(e, "connection to the relay closed", now);
          continue;
        }
        if (e.held()) {
          held++;
          if (!now.isBefore(e.refreshAt)) {
            e.state = "refreshing";
            start(e, e.connection, null);
          }
        }
      }
      if (!wanted || held >= max) {
        return;
      }
      for (PeerId candidate : candidates(now)) {
        if (held >= max) {
          break;
        }
        Entry e = entries.computeIfAbsent(candidate, Entry::new);
        e.state = "reserving";
        held++;
        connected(candidate).ifPresentOrElse(c -> start(e, c, null), () -> redial(e));
      }
    } catch (RuntimeException e) {
      LOG.warn("relay client: {}", e.toString(), e);
    } finally {
      publish();
    }
  }

  /** Relays to try now, best first: connected ones advertising hop, then known ones to redial. */
  private List<PeerId> candidates(Instant now) {
    List<Connection> open = new ArrayList<>();
    for (Connection c : host.connections()) {
      Connection.PeerDetails d = c.details();
      Entry e = entries.get(c.remotePeer());
      if (!c.relayed() && c.isOpen() && d != null && d.protocols().contains(CircuitRelay.HOP)
          && (e == null || (!e.busy && !e.held() && !now.isBefore(e.retryAt)))) {
        open.add(c);
      }
    }
    List<PeerId> out = new ArrayList<>(rank(open, trusted));
    for (Entry e : entries.values()) {
      if (!out.contains(e.relay) && !e.busy && !e.held() && e.address != null && !now.isBefore(e.retryAt)) {
        out.add(e.relay);
      }
    }
    return out;
  }

  /** Candidate relays in order of preference: trusted first, then the longest connected; one per peer. */
  static List<PeerId> rank(List<Connection> candidates, Predicate<PeerId> trusted) {
    Map<PeerId, Boolean> trust = new HashMap<>();
    List<PeerId> out = new ArrayList<>();
    candidates.stream()
        .sorted(Comparator.comparing((Connection c) -> !trust.computeIfAbsent(c.remotePeer(), trusted::test))
            .thenComparing(Connection::opened))
        .forEach(c -> {
          if (!out.contains(c.remotePeer())) {
            out.add(c.remotePeer());
          }
        });
    return out;
  }

  private java.util.Optional<Connection> connected(PeerId peer) {
    return host.connections().stream().filter(c -> c.remotePeer().equals(peer) && !c.relayed() && c.isOpen())
        .min(Comparator.comparing(Connection::opened));
  }

  private void redial(Entry e) {
    if (e.address == null) {
      fail(e, "no longer connected", clock.instant());
      return;
    }
    e.busy = true;
    host.connect(e.address.withPeerId(e.relay)).whenCompleteAsync((c, x) -> {
      e.busy = false;
      if (x != null) {
        fail(e, "cannot reconnect: " + message(x), clock.instant());
        publish();
      } else {
        start(e, c, null);
      }
    }, scheduler);
  }

  private void start(Entry e, Connection c, CompletableFuture<CircuitRelay.Reservation> done) {
    e.busy = true;
    e.connection = c;
    if (c.outbound()) {
      e.address = c.remoteAddress(); // dialable again; an inbound connection's port is the peer's ephemeral one
    }
    relay.reserve(c).whenCompleteAsync((r, x) -> {
      e.busy = false;
      Instant now = clock.instant();
      if (x == null && r.circuitAddrs().isEmpty()) {
        x = new IllegalStateException("the relay has no address to offer");
      }
      if (x != null) {
        fail(e, message(x), now);
        if (done != null) {
          done.completeExceptionally(x);
        }
      } else if (!e.manual && !active.getAsBoolean()) {
        release(e); // turned public while reserving
        if (done != null) {
          done.complete(r);
        }
      } else {
        boolean renewed = e.held();
        if (!renewed) {
          e.heldSince = now;
        }
        e.circuits = r.circuitAddrs();
        e.expires = r.expires();
        e.refreshAt = refreshAt(now, r.expires());
        e.state = "reserved";
        e.failures = 0;
        LOG.debug("relay client: {} at {} until {} (refresh at {})", renewed ? "refreshed" : "reserved", e.relay,
            e.expires, e.refreshAt);
        if (done != null) {
          done.complete(r);
        }
      }
      publish();
    }, scheduler);
  }

  /** Stops advertising and refreshing {@code e}: this node does not need it now. */
  private void release(Entry e) {
    if (e.held()) {
      LOG.info("relay client: released the reservation at {}: this node is reachable directly", e.relay);
    }
    e.state = "released: reachable directly";
    e.circuits = List.of();
    e.expires = null;
    e.heldSince = null;
    e.failures = 0;
    e.retryAt = Instant.EPOCH;
  }

  private void fail(Entry e, String reason, Instant now) {
    boolean wasHeld = e.held();
    e.failures++;
    e.state = "failed: " + reason;
    e.retryAt = now.plus(backoff(e.failures));
    e.circuits = List.of();
    e.expires = null;
    e.heldSince = null;
    if (wasHeld || LOG.isDebugEnabled()) {
      LOG.info("relay client: lost relay {} ({}); next attempt in {} s at the earliest", e.relay, reason,
          backoff(e.failures).toSeconds());
    }
    if (active.getAsBoolean()) {
      tickSoon(); // look for another relay now
    }
  }

  private static String message(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }

  /** When to refresh a reservation obtained at {@code now} that expires at {@code expires}: at 3/4 of its lifetime. */
  static Instant refreshAt(Instant now, Instant expires) {
    Duration life = Duration.between(now, expires);
    if (life.compareTo(Duration.ofSeconds(2)) < 0) {
      return now.plusSeconds(1);
    }
    return now.plus(life.multipliedBy(3).dividedBy(4));
  }

  /** Wait before trying a relay again after its {@code failures}-th failure in a row: 5 s, doubling, at most 5 min. */
  static Duration backoff(int failures) {
    Duration d = MIN_BACKOFF;
    for (int i = 1; i < failures && d.compareTo(MAX_BACKOFF) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  private void publish() {
    List<RelayInfo> out = new ArrayList<>();
    List<Multiaddr> circuits = new ArrayList<>();
    for (Entry e : entries.values()) {
      out.add(new RelayInfo(e.relay.toString(), e.address == null ? "" : e.address.toString(),
          e.circuits.stream().map(Multiaddr::toString).toList(), e.expires, e.state, e.heldSince));
      if (e.held()) {
        e.circuits.forEach(a -> circuits.add(a.withoutPeerId()));
      }
    }
    snapshot = List.copyOf(out);
    host.setCircuitAddresses(circuits);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
