package io.warren.voip.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.warren.api.PeerRef;
import io.warren.api.channel.EventLoops;
import io.warren.voip.RelayStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media relay: allocates a session per call (an RTP/RTCP port pair per leg, from the configured
 * range), runs its channels on one of the node's event loops, and closes it on release, when it was
 * idle too long, or when the component stops. At most {@code maxSessions} at once.
 */
final class MediaRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MediaRelay.class);

  record Allocation(String id, String legA, String legB) {}

  private record Live(RelaySession session, ScheduledFuture<?> idleCheck) {}

  private final EventLoops loops;
  private final RelaySettings settings;
  final RelayTotals totals = new RelayTotals();
  private final Map<String, Live> sessions = new ConcurrentHashMap<>();
  private final PortPairs ports;

  private volatile java.util.function.Consumer<String> onIdle = id -> {};

  MediaRelay(EventLoops loops, RelaySettings settings) {
    this(loops, settings, new PortPairs(loops, settings.bind(), settings.firstPort(), settings.pairs()));
  }

  /** A relay taking its port pairs from {@code ports} (shared with other users of the range). */
  MediaRelay(EventLoops loops, RelaySettings settings, PortPairs ports) {
    this.loops = loops;
    this.settings = settings;
    this.ports = ports;
  }

  /** Told the id of each session closed for idleness (on the session's loop: must not block). */
  void onIdle(java.util.function.Consumer<String> listener) {
    onIdle = listener;
  }

  /** Binds a session's four ports (blocks: never call on an event loop). */
  Allocation allocate(String id, PeerRef owner, PeerRef callee) throws InterruptedException {
    if (sessions.containsKey(id)) {
      throw new IllegalArgumentException("voip relay: call " + id + " is already allocated");
    }
    if (sessions.size() >= settings.maxSessions()) {
      throw new IllegalArgumentException("voip relay: full (" + settings.maxSessions() + " sessions)");
    }
    long mine = sessions.values().stream().filter(l -> owner != null && owner.equals(l.session().owner)).count();
    if (mine >= settings.maxSessionsPerPeer()) {
      throw new IllegalArgumentException(
          "voip relay: " + owner + " has " + mine + " sessions already (relay.max.sessions.per.peer)");
    }
    EventLoop loop = loops.group().next();
    RelaySession s = new RelaySession(id, owner, callee, settings.maxPacketsPerSecond(),
        settings.maxKbps() * 125L, System::nanoTime, totals);
    try {
      for (RelaySession.Leg leg : new RelaySession.Leg[] {s.a, s.b}) {
        bindPair(loop, leg);
      }
    } catch (RuntimeException | InterruptedException e) {
      release(s);
      throw e;
    }
    long every = Math.max(100, settings.idleNanos() / 4_000_000L);
    ScheduledFuture<?> check = loop.scheduleAtFixedRate(() -> {
      if (s.idle(settings.idleNanos())) {
        LOG.info("voip relay: call {} idle for {} s, ports {} and {} closed", id, settings.idleNanos() / 1_000_000_000L,
            s.a.port(), s.b.port());
        totals.idleClosed.increment();
        close(id);
        onIdle.accept(id);
      }
    }, every, every, TimeUnit.MILLISECONDS);
    if (sessions.putIfAbsent(id, new Live(s, check)) != null) {
      check.cancel(false);
      release(s);
      throw new IllegalArgumentException("voip relay: call " + id + " is already allocated");
    }
    LOG.info("voip relay: call {} for {} allocated ports {} and {}", id, owner, s.a.port(), s.b.port());
    return new Allocation(id, endpoint(s.a), endpoint(s.b));
  }

  private String endpoint(RelaySession.Leg leg) {
    return settings.address() + ":" + leg.port();
  }

  /** Binds an even port and the next one for {@code leg}'s RTP and RTCP. */
  private void bindPair(EventLoop loop, RelaySession.Leg leg) throws InterruptedException {
    Channel[] ch =
        ports.bind(loop, () -> leg.handler(RelaySession.RTP), () -> leg.handler(RelaySession.RTCP), "voip relay");
    leg.channels[RelaySession.RTP] = ch[0];
    leg.channels[RelaySession.RTCP] = ch[1];
  }

  private static void release(RelaySession s) {
    s.close();
  }

  /** Closes a session; false when there is none by that id. */
  boolean close(String id) {
    Live l = sessions.remove(id);
    if (l == null) {
      return false;
    }
    l.idleCheck().cancel(false);
    l.session().close();
    return true;
  }

  /** The session {@code id} if this relay holds it. */
  Optional<RelaySession> session(String id) {
    return Optional.ofNullable(sessions.get(id)).map(Live::session);
  }

  /** Both legs' counters, read on the session's loop. */
  Optional<RelayStats[]> stats(String id) {
    Live l = sessions.get(id);
    if (l == null) {
      return Optional.empty();
    }
    RelaySession s = l.session();
    try {
      return Optional.of(s.a.channels[RelaySession.RTP].eventLoop()
          .submit(() -> new RelayStats[] {s.a.stats(), s.b.stats()}).get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException e) {
      return Optional.empty();
    }
  }

  List<RelaySession> sessions() {
    List<RelaySession> all = new ArrayList<>();
    sessions.values().forEach(l -> all.add(l.session()));
    return all;
  }

  String endpoints(RelaySession s) {
    return endpoint(s.a) + "," + endpoint(s.b);
  }

  @Override
  public void close() {
    new ArrayList<>(sessions.keySet()).forEach(this::close);
  }
}
