package io.warren.libp2p.internal.autonat;

import io.netty.buffer.Unpooled;
import io.warren.api.PeerId;
import io.warren.api.Stream;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.libp2p.internal.host.ReadDelimited;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AutoNAT v1 ({@value #PROTOCOL}, libp2p/specs autonat/autonat-v1.md).
 *
 * <p>Server: on a direct connection only, dials back the requester's addresses that carry the IP
 * it is observed at (never another IP: no amplification), on a new connection, and answers OK
 * with the address that worked or E_DIAL_ERROR; at most {@value #MAX_SERVING} dial-backs at once.
 *
 * <p>Client: asks up to {@value #MAX_SERVERS} connected peers that speak the protocol to dial
 * {@link Host#candidateAddresses()}; the majority of their OK / E_DIAL_ERROR answers decides
 * {@link Status#PUBLIC} or {@link Status#PRIVATE} (at least one answer; the spec's "more than 3"
 * is more than a small overlay often has). It asks when it does not know yet and a suitable peer
 * identifies itself, and again every {@link #RECHECK}.
 */
public final class Autonat implements AutoCloseable {
  public static final String PROTOCOL = "/libp2p/autonat/1.0.0";
  static final int MAX_SERVING = 4;
  static final int MAX_SERVERS = 3;
  static final int MAX_ADDRS = 8;
  static final Duration RECHECK = Duration.ofMinutes(15);

  private static final Logger LOG = LoggerFactory.getLogger(Autonat.class);

  public enum Status {
    UNKNOWN, PUBLIC, PRIVATE
  }

  private final Host host;
  private final boolean serve;
  private final AtomicInteger serving = new AtomicInteger();
  private final ScheduledExecutorService scheduler;
  private volatile Status status = Status.UNKNOWN;
  private volatile String detail = "not checked yet";
  private volatile boolean probing;
  private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public Autonat(Host host, boolean serve) {
    this.host = host;
    this.serve = serve;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "warren-libp2p-autonat");
      t.setDaemon(true);
      return t;
    });
  }

  /** Registers the server (if serving); {@code probe}: also find out this node's own reachability. */
  public void install(boolean probe) {
    if (serve) {
      host.protocols().add(PROTOCOL, this::respond);
    }
    if (probe) {
      host.addConnectionListener(c -> c.identified().whenComplete((d, e) -> {
        if (e == null && status == Status.UNKNOWN && !c.relayed() && d.protocols().contains(PROTOCOL)) {
          scheduler.schedule(this::probe, 200, TimeUnit.MILLISECONDS); // let a few more peers identify
        }
      }));
      scheduler.scheduleWithFixedDelay(this::probe, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  public Status status() {
    return status;
  }

  /** Why the status is what it is, for operators. */
  public String detail() {
    return detail;
  }

  /** Told (on the AutoNAT thread) when {@link #status()} changed. */
  public void addListener(Runnable l) {
    listeners.add(l);
  }

  // ---- server ----

  private void respond(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    Connection c = s.connection();
    ReadDelimited.read(s.channel(), AutonatMessage.MAX_LENGTH, "autonat dial").thenCompose(bytes -> {
      AutonatMessage m = AutonatMessage.decode(bytes);
      if (m.type() != AutonatMessage.DIAL) {
        return done(AutonatMessage.E_BAD_REQUEST, "expected DIAL", null);
      }
      if (c.relayed()) {
        return done(AutonatMessage.E_DIAL_REFUSED, "not over a relayed connection", null);
      }
      if (m.peerId() != null && !Arrays.equals(m.peerId(), c.remotePeer().toBytes())) {
        return done(AutonatMessage.E_BAD_REQUEST, "peer id is not the requester's", null);
      }
      List<Multiaddr> targets = sameIp(m.addrs(), c.remoteAddress());
      if (targets.isEmpty()) {
        return done(AutonatMessage.E_DIAL_REFUSED, "no address at the IP you are observed at", null);
      }
      if (serving.incrementAndGet() > MAX_SERVING) {
        serving.decrementAndGet();
        return done(AutonatMessage.E_DIAL_REFUSED, "too many dial-backs in progress", null);
      }
      return dialBack(targets, c.remotePeer(), 0).whenComplete((x, e) -> serving.decrementAndGet());
    }).exceptionally(e -> AutonatMessage.response(AutonatMessage.E_BAD_REQUEST, "bad request", null))
        .thenAccept(answer -> {
          s.channel().writeAndFlush(Unpooled.wrappedBuffer(answer.encodeDelimited()));
          s.yamux().closeWrite();
          s.channel().read(); // take the requester's FIN
        });
  }

  private static CompletableFuture<AutonatMessage> done(int status, String text, byte[] addr) {
    return CompletableFuture.completedFuture(AutonatMessage.response(status, text, addr));
  }

  /** The TCP addresses among {@code raw} whose IP is the one of {@code observed}. */
  static List<Multiaddr> sameIp(List<byte[]> raw, Multiaddr observed) {
    List<Multiaddr> out = new ArrayList<>();
    Multiaddr.Component ip = observed.components().get(0);
    for (byte[] a : raw) {
      try {
        Multiaddr m = Multiaddr.fromBytes(a).withoutPeerId();
        List<Multiaddr.Component> c = m.components();
        if (c.size() == 2 && c.get(1).protocol() == Protocol.TCP && c.get(0).protocol() == ip.protocol()
            && Arrays.equals(c.get(0).value(), ip.value()) && !out.contains(m) && out.size() < MAX_ADDRS) {
          out.add(m);
        }
      } catch (IllegalArgumentException e) {
        // not an address we would dial
      }
    }
    return out;
  }

  private CompletableFuture<AutonatMessage> dialBack(List<Multiaddr> targets, PeerId peer, int i) {
    if (i >= targets.size()) {
      return done(AutonatMessage.E_DIAL_ERROR, "dial-back failed", null);
    }
    Multiaddr a = targets.get(i);
    return host.dialDirect(a, peer, true, false).handle((c, e) -> {
      if (c != null) {
        c.channel().close(); // the dial-back proved the point; the requester keeps its own connection
        return done(AutonatMessage.OK, "", a.toBytes());
      }
      LOG.debug("autonat: dial-back to {} at {} failed: {}", peer, a, e.toString());
      return dialBack(targets, peer, i + 1);
    }).thenCompose(f -> f);
  }

  // ---- client ----

  /** Asks one peer to dial us back; completes with the response status (E_INTERNAL_ERROR if the exchange failed). */
  CompletableFuture<Integer> ask(Connection c, List<Multiaddr> addrs) {
    return host.newStream(c, PROTOCOL).thenCompose(s -> {
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(AutonatMessage.dial(host.peerId().toBytes(),
          addrs.stream().map(Multiaddr::toBytes).toList()).encodeDelimited()));
      s.yamux().closeWrite();
      return ReadDelimited.read(s.channel(), AutonatMessage.MAX_LENGTH, "autonat response");
    }).thenApply(bytes -> {
      AutonatMessage m = AutonatMessage.decode(bytes);
      return m.type() == AutonatMessage.DIAL_RESPONSE && m.status() != null ? m.status()
          : AutonatMessage.E_INTERNAL_ERROR;
    }).exceptionally(e -> AutonatMessage.E_INTERNAL_ERROR);
  }

  /** One round: ask up to {@value #MAX_SERVERS} peers, then decide. Runs on the AutoNAT thread. */
  void probe() {
    if (probing) {
      return;
    }
    List<Multiaddr> addrs = host.candidateAddresses();
    List<Connection> servers = host.connections().stream()
        .filter(c -> !c.relayed() && c.isOpen() && c.details() != null && c.details().protocols().contains(PROTOCOL))
        .collect(java.util.stream.Collectors.toMap(Connection::remotePeer, c -> c, (x, y) -> x,
            java.util.LinkedHashMap::new))
        .values().stream().limit(MAX_SERVERS).toList();
    if (addrs.isEmpty() || servers.isEmpty()) {
      return;
    }
    probing = true;
    List<CompletableFuture<Integer>> answers = servers.stream().map(c -> ask(c, addrs)).toList();
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenCompleteAsync((x, e) -> {
      probing = false;
      int ok = 0;
      int failed = 0;
      for (CompletableFuture<Integer> a : answers) {
        int st = a.join();
        ok += st == AutonatMessage.OK ? 1 : 0;
        failed += st == AutonatMessage.E_DIAL_ERROR ? 1 : 0;
      }
      Status next = decide(ok, failed);
      if (next == Status.UNKNOWN) {
        return;
      }
      detail = ok + " of " + (ok + failed) + " peers could dial this node back";
      if (next != status) {
        status = next;
        LOG.info("libp2p: reachability is {} ({})", next.name().toLowerCase(java.util.Locale.ROOT), detail);
        listeners.forEach(Runnable::run);
      }
    }, scheduler);
  }

  /** The majority of definite answers; unknown without any. */
  static Status decide(int ok, int failed) {
    if (ok + failed == 0) {
      return Status.UNKNOWN;
    }
    return ok >= failed ? Status.PUBLIC : Status.PRIVATE;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
