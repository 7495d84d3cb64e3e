package io.warren.libp2p.internal.autonat;

import io.netty.buffer.Unpooled;
import io.warren.api.PeerId;
import io.warren.api.Stream;
import io.warren.api.Threads;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.libp2p.internal.host.ReadDelimited;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * it is observed at (never another IP: no amplification), all at once on new connections (the
 * spec's "MAY dial the addresses in parallel"), and answers OK with the first address that worked,
 * or E_DIAL_ERROR when all failed or none answered within {@link #DIAL_BACK_TIMEOUT} (a node that
 * cannot be dialled that fast is not usefully reachable; the dials still run out and count against
 * the budget of {@value #MAX_SERVING} requests served at once).
 *
 * <p>{@link #translated()} tells, before any answer, whether a peer sees this node at an IP it
 * does not have (a NAT in between); {@link #suspectedPrivate()} also suspects an IPv6 node.
 *
 * <p>Client: asks each peer that identifies itself with the protocol over a direct connection, as
 * it arrives and at most {@value #MAX_SERVERS} at once, until {@value #MAX_ANSWERS} peers have
 * answered; the majority of their latest OK / E_DIAL_ERROR answers decides {@link Status#PUBLIC}
 * or {@link Status#PRIVATE} (at least one answer; the spec's "more than 3" is more than a small
 * overlay often has). Every {@link #RECHECK} the answers are forgotten and connected peers asked
 * again. Client state is touched on the AutoNAT thread only; {@link #verdict()} reads a snapshot.
 */
public final class Autonat implements AutoCloseable {
  public static final String PROTOCOL = "/libp2p/autonat/1.0.0";
  static final int MAX_SERVING = 4;
  static final int MAX_SERVERS = 3;
  static final int MAX_ANSWERS = 5;
  static final int MAX_ADDRS = 8;
  static final Duration DIAL_BACK_TIMEOUT = Duration.ofSeconds(5);
  /** How long the client waits for an answer: the server's dial-back bound plus the round trip. */
  static final Duration ASK_TIMEOUT = DIAL_BACK_TIMEOUT.plusSeconds(10);
  static final Duration RECHECK = Duration.ofMinutes(15);

  private static final Logger LOG = LoggerFactory.getLogger(Autonat.class);

  public enum Status {
    UNKNOWN, PUBLIC, PRIVATE
  }

  /**
   * What the client knows: the status, how many peers could ({@code reached}) and could not
   * ({@code unreached}) dial this node back, how many are being asked, and since when the status holds.
   */
  public record Verdict(Status status, int reached, int unreached, int asking, Instant since) {}

  /** A peer's latest definite answer. */
  private record Answer(boolean reached, Instant at) {}

  private final Host host;
  private final boolean serve;
  private final Clock clock;
  private final AtomicInteger serving = new AtomicInteger();
  private final ScheduledExecutorService scheduler;
  /** Latest answers by peer, oldest first; at most {@value #MAX_ANSWERS}. AutoNAT thread only. */
  private final Map<PeerId, Answer> answers = new LinkedHashMap<>();
  /** Peers asked and not answered yet; at most {@value #MAX_SERVERS}. AutoNAT thread only. */
  private final Set<PeerId> asking = new HashSet<>();
  private volatile Verdict verdict;
  private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public Autonat(Host host, boolean serve) {
    this(host, serve, Clock.systemUTC());
  }

  Autonat(Host host, boolean serve, Clock clock) {
    this.host = host;
    this.serve = serve;
    this.clock = clock;
    this.verdict = new Verdict(Status.UNKNOWN, 0, 0, 0, clock.instant());
    this.scheduler = Executors.newSingleThreadScheduledExecutor(Threads.named("warren-libp2p-autonat"));
  }

  /** Registers the server (if serving); {@code probe}: also find out this node's own reachability. */
  public void install(boolean probe) {
    if (serve) {
      host.protocols().add(PROTOCOL, this::respond);
    }
    if (probe) {
      host.addConnectionListener(c -> c.identified().whenComplete((d, e) -> {
        if (e == null && !c.relayed() && d.protocols().contains(PROTOCOL)) {
          run(() -> ask(c));
        }
      }));
      scheduler.scheduleWithFixedDelay(this::recheckNow, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  public Status status() {
    return verdict.status();
  }

  public Verdict verdict() {
    return verdict;
  }

  /**
   * Whether some peer observes this node at another IP than the one its connection to that peer
   * leaves from: an address translator (a NAT) sits in between, so the node is likely private
   * before AutoNAT can tell. A node on a public address, or on one LAN with its peers, sees its own
   * IP reflected and is not suspected. Where the connection's own IP is not known (a QUIC
   * connection, or one from a wildcard-bound UDP socket), an observed IP that none of this
   * machine's interfaces has counts.
   */
  public boolean translated() {
    for (Connection c : host.connections()) {
      Connection.PeerDetails d = c.details();
      if (c.relayed() || d == null || d.observedAddr() == null) {
        continue;
      }
      Multiaddr.Component ip = d.observedAddr().components().get(0);
      if (ip.protocol() != Protocol.IP4 && ip.protocol() != Protocol.IP6) {
        continue;
      }
      if (c.channel().localAddress() instanceof java.net.InetSocketAddress local
          && !local.getAddress().isAnyLocalAddress()) {
        if (!Arrays.equals(ip.value(), local.getAddress().getAddress())) {
          return true;
        }
      } else if (!ownIp(ip.value())) {
        return true;
      }
    }
    return false;
  }

  /** Whether one of this machine's interfaces has the IP {@code raw}. */
  private static boolean ownIp(byte[] raw) {
    try {
      return java.net.NetworkInterface.getByInetAddress(java.net.InetAddress.getByAddress(raw)) != null;
    } catch (java.io.IOException e) {
      return true; // cannot tell: not suspected
    }
  }

  /**
   * Whether this node is likely private before AutoNAT can tell: {@link #translated()} (a NAT), or a
   * direct connection leaves from an IPv6 address a peer elsewhere could dial ({@link
   * #firewallable}): IPv6 has no translation to betray the stateful firewall most IPv6 hosts sit
   * behind, so such a node is suspected until the dial-backs answer (reserving for those seconds
   * costs a public node little; waiting costs a firewalled one its reachability).
   */
  public boolean suspectedPrivate() {
    return translated() || host.connections().stream().anyMatch(c -> !c.relayed() && firewallable(localIp(c)));
  }

  /**
   * The IP {@code c} leaves from: its socket's, or where that is not known (a QUIC connection's
   * local address is no socket address, a wildcard-bound UDP socket has none) the IP the peer
   * observed, which on IPv6 without translation is the same; null when neither is known.
   */
  private static java.net.InetAddress localIp(Connection c) {
    if (c.channel().localAddress() instanceof java.net.InetSocketAddress local
        && !local.getAddress().isAnyLocalAddress()) {
      return local.getAddress();
    }
    Connection.PeerDetails d = c.details();
    if (d == null || d.observedAddr() == null) {
      return null;
    }
    Multiaddr.Component ip = d.observedAddr().components().get(0);
    try {
      return ip.protocol() == Protocol.IP6 ? java.net.InetAddress.getByAddress(ip.value()) : null;
    } catch (java.net.UnknownHostException e) {
      return null; // not an IP after all: not suspected on this connection
    }
  }

  /** An IPv6 address that is neither loopback nor link-local: one a stateful firewall may sit in front of. */
  static boolean firewallable(java.net.InetAddress a) {
    return a != null && a instanceof java.net.Inet6Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress();
  }

  /** Told (on the AutoNAT thread) when {@link #status()} changed. */
  public void addListener(Runnable l) {
    listeners.add(l);
  }

  private void run(Runnable r) {
    if (!scheduler.isShutdown()) {
      try {
        scheduler.execute(r);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }
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
      return dialBack(targets, c.remotePeer());
    }).exceptionally(e -> AutonatMessage.response(AutonatMessage.E_BAD_REQUEST, "bad request", null))
        .thenAccept(answer -> {
          s.channel().writeAndFlush(Unpooled.wrappedBuffer(answer.encodeDelimited()));
          s.closeWrite();
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

  /**
   * Dials all {@code targets} at once: OK with the first that connects, E_DIAL_ERROR when all failed
   * or {@link #DIAL_BACK_TIMEOUT} passed. Releases the serving slot when the last dial settled.
   */
  private CompletableFuture<AutonatMessage> dialBack(List<Multiaddr> targets, PeerId peer) {
    CompletableFuture<AutonatMessage> answer = new CompletableFuture<>();
    AtomicInteger left = new AtomicInteger(targets.size());
    for (Multiaddr a : targets) {
      host.dialDirect(a, peer, true, false).whenComplete((c, e) -> {
        if (c != null) {
          c.channel().close(); // the dial-back proved the point; the requester keeps its own connection
          answer.complete(AutonatMessage.response(AutonatMessage.OK, "", a.toBytes()));
        } else {
          LOG.debug("autonat: dial-back to {} at {} failed: {}", peer, a, e.toString());
        }
        if (left.decrementAndGet() == 0) {
          serving.decrementAndGet();
          answer.complete(AutonatMessage.response(AutonatMessage.E_DIAL_ERROR, "dial-back failed", null));
        }
      });
    }
    return answer.completeOnTimeout(AutonatMessage.response(AutonatMessage.E_DIAL_ERROR,
        "no dial-back within " + DIAL_BACK_TIMEOUT.toSeconds() + " s", null), DIAL_BACK_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  // ---- client ----

  /**
   * Asks one peer to dial us back; completes with the response status (E_INTERNAL_ERROR if the
   * exchange failed or took longer than {@link #ASK_TIMEOUT}, closing the stream).
   */
  CompletableFuture<Integer> ask(Connection c, List<Multiaddr> addrs) {
    java.util.concurrent.atomic.AtomicReference<Libp2pStream> stream =
        new java.util.concurrent.atomic.AtomicReference<>();
    return host.newStream(c, PROTOCOL).thenCompose(s -> {
      stream.set(s);
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(AutonatMessage.dial(host.peerId().toBytes(),
          addrs.stream().map(Multiaddr::toBytes).toList()).encodeDelimited()));
      s.closeWrite();
      return ReadDelimited.read(s.channel(), AutonatMessage.MAX_LENGTH, "autonat response");
    }).thenApply(bytes -> {
      AutonatMessage m = AutonatMessage.decode(bytes);
      return m.type() == AutonatMessage.DIAL_RESPONSE && m.status() != null ? m.status()
          : AutonatMessage.E_INTERNAL_ERROR;
    }).orTimeout(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).exceptionally(e -> {
      Libp2pStream s = stream.get();
      if (s != null) {
        s.channel().close();
      }
      return AutonatMessage.E_INTERNAL_ERROR;
    });
  }

  /**
   * Asks the peer on {@code c} unless it answered already, is being asked, or enough are; records a
   * definite answer and decides again. AutoNAT thread only.
   */
  void ask(Connection c) {
    PeerId peer = c.remotePeer();
    if (answers.containsKey(peer) || asking.contains(peer) || asking.size() >= MAX_SERVERS
        || answers.size() + asking.size() >= MAX_ANSWERS || !c.isOpen()) {
      return;
    }
    // dial-backs are TCP (see sameIp): QUIC candidates would only take room in the request
    List<Multiaddr> addrs = host.candidateAddresses().stream()
        .filter(m -> m.components().size() == 2 && m.components().get(1).protocol() == Protocol.TCP).toList();
    if (addrs.isEmpty()) {
      return;
    }
    asking.add(peer);
    publish(verdict.status(), verdict.since());
    ask(c, addrs).whenCompleteAsync((st, e) -> answered(peer, st == null ? AutonatMessage.E_INTERNAL_ERROR : st),
        scheduler);
  }

  private void answered(PeerId peer, int st) {
    asking.remove(peer);
    if (st == AutonatMessage.OK || st == AutonatMessage.E_DIAL_ERROR) {
      answers.remove(peer); // re-inserted last: the newest answer
      answers.put(peer, new Answer(st == AutonatMessage.OK, clock.instant()));
      while (answers.size() > MAX_ANSWERS) {
        answers.remove(answers.keySet().iterator().next());
      }
    } else {
      LOG.debug("autonat: {} gave no verdict (status {})", peer, st);
    }
    decideNow();
  }

  /**
   * Forgets answers older than half of {@link #RECHECK} (so those of the last round, taken just
   * after the previous one started, go) and asks the connected peers again, on the AutoNAT thread.
   * The status stays as it was until new answers decide.
   */
  void recheck() {
    run(this::recheckNow);
  }

  private void recheckNow() {
    Instant stale = clock.instant().minus(RECHECK.dividedBy(2));
    answers.values().removeIf(a -> a.at().isBefore(stale));
    publish(verdict.status(), verdict.since());
    for (Connection c : host.connections()) {
      if (!c.relayed() && c.details() != null && c.details().protocols().contains(PROTOCOL)) {
        ask(c);
      }
    }
  }

  private void decideNow() {
    int ok = (int) answers.values().stream().filter(Answer::reached).count();
    Status next = decide(ok, answers.size() - ok);
    Verdict before = verdict;
    if (next == Status.UNKNOWN) {
      next = before.status(); // no answers now (forgotten): keep what was known until new ones come
    }
    boolean changed = next != before.status();
    publish(next, changed ? clock.instant() : before.since());
    if (changed) {
      LOG.info("libp2p: reachability is {} (AutoNAT: {} of {} peers could dial this node back)",
          next.name().toLowerCase(java.util.Locale.ROOT), verdict.reached(), verdict.reached() + verdict.unreached());
      listeners.forEach(Runnable::run);
    }
  }

  private void publish(Status status, Instant since) {
    int ok = (int) answers.values().stream().filter(Answer::reached).count();
    verdict = new Verdict(status, ok, answers.size() - ok, asking.size(), since);
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
