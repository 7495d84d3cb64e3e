package io.warren.voip.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.util.concurrent.ScheduledFuture;
import io.warren.api.PeerRef;
import io.warren.api.channel.EventLoops;
import io.warren.voip.RelayStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
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
  /** The largest datagram read: RTP for voice is well under this; a bigger one is cut and so unusable. */
  static final int MAX_DATAGRAM = 2048;

  record Allocation(String id, String legA, String legB) {}

  private record Live(RelaySession session, ScheduledFuture<?> idleCheck) {}

  private final EventLoops loops;
  private final RelaySettings settings;
  final RelayTotals totals = new RelayTotals();
  private final Map<String, Live> sessions = new ConcurrentHashMap<>();
  /** Ports in use, as offsets from the range's first port; guarded by itself. */
  private final BitSet used = new BitSet();
  private int cursor;

  MediaRelay(EventLoops loops, RelaySettings settings) {
    this.loops = loops;
    this.settings = settings;
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
    RelaySession s = new RelaySession(id, owner, callee, settings.maxPacketsPerSecond(), System::nanoTime,
        totals);
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

  /** Binds an even port and the next one for {@code leg}'s RTP and RTCP, trying the range once round. */
  private void bindPair(EventLoop loop, RelaySession.Leg leg) throws InterruptedException {
    int pairs = settings.pairs();
    for (int tries = 0; tries < pairs; tries++) {
      int offset = take(pairs);
      if (offset < 0) {
        break;
      }
      int port = settings.firstPort() + offset;
      Channel rtp = bind(loop, leg, RelaySession.RTP, port);
      if (rtp == null) {
        free(offset);
        continue;
      }
      Channel rtcp = bind(loop, leg, RelaySession.RTCP, port + 1);
      if (rtcp == null) {
        rtp.close();
        continue;
      }
      leg.channels[RelaySession.RTP] = rtp;
      leg.channels[RelaySession.RTCP] = rtcp;
      rtp.closeFuture().addListener(f -> free(offset));
      return;
    }
    throw new IllegalArgumentException("voip relay: no free port pair in " + settings.firstPort() + "-"
        + (settings.firstPort() + 2 * pairs - 1));
  }

  /** The next free pair's offset from the cursor on, marked used; -1 when all are. */
  private int take(int pairs) {
    synchronized (used) {
      for (int i = 0; i < pairs; i++) {
        int pair = (cursor + i) % pairs;
        if (!used.get(pair)) {
          used.set(pair);
          cursor = (pair + 1) % pairs;
          return 2 * pair;
        }
      }
      return -1;
    }
  }

  private void free(int offset) {
    synchronized (used) {
      used.clear(offset / 2);
    }
  }

  private Channel bind(EventLoop loop, RelaySession.Leg leg, int kind, int port) throws InterruptedException {
    ChannelFuture f = new Bootstrap().group(loop).channel(loops.datagramChannel())
        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
        .handler(leg.handler(kind)).bind(new InetSocketAddress(settings.bind(), port)).await();
    return f.isSuccess() ? f.channel() : null;
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
