package io.warren.libp2p.internal.dcutr;

import io.netty.buffer.Unpooled;
import io.warren.api.PeerId;
import io.warren.api.Stream;
import io.warren.libp2p.internal.host.AddressScope;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.libp2p.internal.host.ReadDelimited;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct Connection Upgrade through Relay ({@value #PROTOCOL}, libp2p/specs relay/DCUtR.md).
 *
 * <p>On a relayed connection that this node <em>accepted</em> (it holds the reservation, peer A
 * dialled it through the relay), once A identified itself and no direct connection to A exists:
 * <ol>
 * <li>unilateral upgrade: dial A's direct listen addresses;</li>
 * <li>once that failed, or has run for {@link #DIRECT_HEAD_START} (a firewall that drops SYNs makes
 *     it fail only at the dial timeout), hole punching beside it: open {@value #PROTOCOL} on the relayed connection, send CONNECT
 *     with our addresses, time A's CONNECT answer (the RTT), send SYNC, wait RTT/2 and dial A's
 *     addresses from our listen port; A dials ours when SYNC arrives. Up to {@value #ATTEMPTS}
 *     attempts on the same stream.</li>
 * </ol>
 * Roles for a TCP simultaneous open: the side that sent the first CONNECT (this one) acts as the
 * dialer in multistream-select and as the Noise initiator; A's dial acts as the listener. If both
 * SYNs meet, that is one connection with agreed roles; if A's dial lands on our listener instead,
 * both sides wait as listeners and that attempt times out while ours to A's listener succeeds.
 * A dials only when it listens, from its listen port: a punch from an ephemeral port opens no
 * mapping anyone dials.
 *
 * <p>Every round of dials (the unilateral upgrade, each punch attempt on either side) takes one
 * unit of a {@link DialBudget}, per peer and in total per minute: a peer cannot make this node dial
 * addresses of its choosing over and over.
 *
 * <p>Once direct, new streams take the direct connection (the host prefers it); the relayed
 * connection is closed as soon as it carries no stream.
 */
public final class Dcutr {
  public static final String PROTOCOL = "/libp2p/dcutr";
  static final int ATTEMPTS = 3;
  /** Addresses tried per attempt: a peer cannot make us dial a long list. */
  static final int MAX_ADDRS = 8;
  static final Duration IDLE_CHECK = Duration.ofSeconds(2);
  /**
   * How long after SYNC the peer's punch may arrive at our listener (plus 3 RTT). Generous: a punch
   * that arrives after it finds both ends as Noise responders and holds the 4-tuple until the
   * handshake deadline, so every retry of the same ports fails (seen on a loaded 2-core CI machine
   * with 2 s).
   */
  static final Duration PUNCH_WINDOW = Duration.ofSeconds(5);
  /**
   * How long the unilateral upgrade's dial runs alone before hole punching starts beside it: a dial
   * a firewall drops fails only at the dial timeout (seconds), a working one answers within a
   * round trip or two.
   */
  static final Duration DIRECT_HEAD_START = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(Dcutr.class);

  private final Host host;
  private final Set<PeerId> upgrading = ConcurrentHashMap.newKeySet();

  private final boolean initiate;
  private final DialBudget budget;
  /** The peers this node birthday-punches with (see {@link Birthday}), or null: none. */
  private final java.util.function.Predicate<PeerId> birthday;

  /** DCUtR on {@code host}, its dial rounds bounded by {@code budget}. */
  public Dcutr(Host host, DialBudget budget) {
    this(host, true, budget, null);
  }

  /**
   * As {@link #Dcutr(Host, DialBudget)}; {@code birthday}: the peers to take part in birthday punches
   * with (see {@link Birthday}), null for none.
   */
  public Dcutr(Host host, DialBudget budget, java.util.function.Predicate<PeerId> birthday) {
    this(host, true, budget, birthday);
  }

  /** {@code initiate} false: only answer peers' upgrades (tests drive {@link #upgrade}/{@link #holePunch} themselves). */
  Dcutr(Host host, boolean initiate) {
    this(host, initiate, new DialBudget(6, 60));
  }

  Dcutr(Host host, boolean initiate, DialBudget budget) {
    this(host, initiate, budget, null);
  }

  Dcutr(Host host, boolean initiate, DialBudget budget, java.util.function.Predicate<PeerId> birthday) {
    this.host = host;
    this.initiate = initiate;
    this.budget = budget;
    this.birthday = birthday;
  }

  /** Answers peers' upgrades and, unless constructed not to initiate, starts one on each relayed connection. */
  public void install() {
    host.protocols().add(PROTOCOL, this::respond);
    if (birthday != null) {
      host.protocols().add(Birthday.PROTOCOL, Stream::reset); // a marker peers see in identify, nothing to say
    }
    if (!initiate) {
      return;
    }
    host.addConnectionListener(c -> {
      if (c.relayed() && !c.outbound()) {
        c.identified().whenComplete((d, e) -> {
          if (e == null) {
            upgrade(c);
          }
        });
      }
    });
  }

  /**
   * Our direct addresses for the peer of {@code relayed}, best first: none it cannot use ({@link
   * AddressScope}), see {@link #limit}.
   */
  List<Multiaddr> ownAddresses(Connection relayed) {
    return limit(AddressScope.usableFrom(host.candidateAddresses(), relayed.remoteAddress()));
  }

  /**
   * At most {@value #MAX_ADDRS} of {@code all} in their order, half of them QUIC where there are
   * enough of both kinds: many TCP candidates must not crowd out every QUIC one, nor the reverse.
   */
  static List<Multiaddr> limit(List<Multiaddr> all) {
    List<Multiaddr> tcp = all.stream().filter(Dcutr::directTcp).toList();
    List<Multiaddr> quic = all.stream().filter(Dcutr::directQuic).toList();
    int q = Math.min(quic.size(), Math.max(MAX_ADDRS / 2, MAX_ADDRS - tcp.size()));
    int t = Math.min(tcp.size(), MAX_ADDRS - q);
    List<Multiaddr> out = new ArrayList<>(tcp.subList(0, t));
    out.addAll(quic.subList(0, q));
    return out;
  }

  /** {@code /ip4|ip6/<ip>/tcp/<port>} or {@code /ip4|ip6/<ip>/udp/<port>/quic-v1}: what a hole punch can aim at. */
  static boolean direct(Multiaddr m) {
    return directTcp(m) || directQuic(m);
  }

  static boolean directTcp(Multiaddr m) {
    List<Multiaddr.Component> c = m.withoutPeerId().components();
    return c.size() == 2 && ip(c.get(0)) && c.get(1).protocol() == Protocol.TCP;
  }

  static boolean directQuic(Multiaddr m) {
    List<Multiaddr.Component> c = m.withoutPeerId().components();
    return c.size() == 3 && ip(c.get(0)) && c.get(1).protocol() == Protocol.UDP
        && c.get(2).protocol() == Protocol.QUIC_V1;
  }

  private static boolean ip(Multiaddr.Component c) {
    return c.protocol() == Protocol.IP4 || c.protocol() == Protocol.IP6;
  }

  /**
   * Whether punch round {@code round} (1, 2, ... on one DCUtR stream) goes over QUIC: when both
   * CONNECTs ({@code mine}, {@code theirs}) offered a QUIC address, the odd rounds punch UDP for
   * QUIC and the even ones TCP (a path that drops UDP still gets its TCP punch), else every round
   * punches TCP. Both sides compute it from the same two messages, so they agree.
   */
  static boolean quicRound(int round, List<Multiaddr> mine, List<Multiaddr> theirs) {
    return round % 2 == 1 && mine.stream().anyMatch(Dcutr::directQuic) && theirs.stream().anyMatch(Dcutr::directQuic);
  }

  /**
   * Whether round {@code round} is a birthday punch: one more round after the {@value #ATTEMPTS}
   * ordinary ones, when both sides take part ({@code ours}, and the peer lists {@link Birthday#PROTOCOL}
   * in {@code theirProtocols}) and both offered QUIC.
   */
  static boolean birthdayRound(int round, boolean ours, List<String> theirProtocols, List<Multiaddr> mine,
      List<Multiaddr> theirs) {
    return round == ATTEMPTS + 1 && ours && theirProtocols.contains(Birthday.PROTOCOL)
        && mine.stream().anyMatch(Dcutr::directQuic) && theirs.stream().anyMatch(Dcutr::directQuic);
  }

  /** Whether this node birthday-punches with the peer of {@code c} and the peer says it does too. */
  private boolean birthdayWith(Connection c) {
    return birthday != null && birthday.test(c.remotePeer()) && protocolsOf(c).contains(Birthday.PROTOCOL);
  }

  private List<String> protocolsOf(Connection c) {
    Connection.PeerDetails d = c.details();
    return d == null ? List.of() : d.protocols();
  }

  /**
   * This side's part of a birthday punch with {@code peer} at its QUIC addresses {@code theirs}: behind
   * a port-changing NAT, open {@link Birthday#SOCKETS} ports towards the first of them and dial from
   * the one the peer's datagrams reach; else spray {@link Birthday#PROBES} random ports at the IP of
   * the peer's first QUIC address from our QUIC port and wait for its dial.
   */
  private CompletableFuture<Connection> birthdayPunch(PeerId peer, List<Multiaddr> theirs, Duration window) {
    // the first QUIC candidate is the peer's observed IP with its QUIC listen port, where its spray comes from
    List<Multiaddr> quic = theirs.stream().filter(Dcutr::directQuic).limit(1).toList();
    if (host.natChangesPorts()) {
      LOG.debug("dcutr: birthday punch with {}: opening {} ports towards {}", peer, Birthday.SOCKETS, quic);
      return host.birthdayDial(quic, peer, Birthday.SOCKETS, window);
    }
    CompletableFuture<Connection> in = host.expectQuicPunch(peer, window);
    java.net.InetAddress ip;
    try {
      ip = java.net.InetAddress.getByAddress(quic.get(0).components().get(0).value());
    } catch (java.net.UnknownHostException e) {
      in.completeExceptionally(e);
      return in;
    }
    LOG.debug("dcutr: birthday punch with {}: {} datagrams to random ports of {}", peer, Birthday.PROBES, ip);
    host.birthdaySpray(ip, Birthday.ports(Birthday.PROBES, java.util.concurrent.ThreadLocalRandom.current()),
        Birthday.SPRAY, in);
    return in;
  }

  private boolean hasDirect(PeerId peer) {
    return host.connections().stream().anyMatch(c -> c.remotePeer().equals(peer) && !c.relayed() && c.isOpen());
  }

  /**
   * On demand ({@code p2p:upgrade}): upgrades the open relayed connection to {@code peer} as
   * {@link #upgrade(Connection)} does, whichever side opened it and whether or not automatic DCUtR
   * is on (hole punching then needs the peer to answer {@value #PROTOCOL}). Completes with the
   * direct connection, at once if one is open already.
   */
  public CompletableFuture<Connection> upgrade(PeerId peer) {
    List<Connection> open = host.connections().stream().filter(c -> c.remotePeer().equals(peer) && c.isOpen())
        .toList();
    for (Connection c : open) {
      if (!c.relayed()) {
        return CompletableFuture.completedFuture(c);
      }
    }
    if (open.isEmpty()) {
      return CompletableFuture.failedFuture(new IllegalStateException("no connection to " + peer));
    }
    Connection relayed = open.get(0);
    return relayed.identified().thenCompose(d -> upgrade(relayed));
  }

  /** The initiating side, on a relayed connection this node accepted (or on demand, either side). */
  CompletableFuture<Connection> upgrade(Connection relayed) {
    PeerId peer = relayed.remotePeer();
    if (hasDirect(peer) || !upgrading.add(peer)) {
      return CompletableFuture.failedFuture(new IllegalStateException("already direct or upgrading"));
    }
    if (!budget.tryAcquire(peer)) {
      upgrading.remove(peer);
      LOG.debug("dcutr: {} stays relayed: its dial budget ({} a minute) is spent", peer, budget.perPeer());
      return CompletableFuture.failedFuture(new IllegalStateException("dcutr: dial budget spent"));
    }
    Connection.PeerDetails d = relayed.details();
    // TCP only: a QUIC dial to an address that drops UDP would wait out a whole handshake timeout
    List<Multiaddr> theirs = d == null ? List.of() : d.listenAddrs().stream().filter(Dcutr::directTcp)
        .limit(MAX_ADDRS).toList();
    CompletableFuture<Connection> dial = dialInTurn(theirs, peer, 0, null);
    dial.thenAccept(c -> LOG.info("libp2p: direct connection to {} (it listens at {}); leaving the relay", peer,
        c.remoteAddress()));
    // behind a firewall that drops (not resets) unsolicited SYNs, as IPv6 ones do, the dial only
    // fails at the dial timeout: punch once it failed or had its head start, whichever comes first
    CompletableFuture<Void> punchNow = new CompletableFuture<>();
    dial.whenComplete((c, e) -> punchNow.complete(null));
    relayed.channel().eventLoop().schedule(() -> punchNow.complete(null), DIRECT_HEAD_START.toMillis(),
        TimeUnit.MILLISECONDS);
    CompletableFuture<Connection> punched = punchNow.thenCompose(x -> {
      if (dial.isDone() && !dial.isCompletedExceptionally()) {
        return dial; // direct already: no punch
      }
      if (d == null || !d.protocols().contains(PROTOCOL)) {
        return CompletableFuture.<Connection>failedFuture(new IllegalStateException(peer + " does not speak "
            + PROTOCOL));
      }
      return holePunch(relayed);
    });
    CompletableFuture<Connection> result = firstSuccess(punched, dial);
    result.whenComplete((c, e) -> {
      upgrading.remove(peer);
      if (c != null) {
        closeWhenIdle(relayed);
      } else {
        LOG.info("libp2p: {} stays relayed: {}", peer, e == null ? "?" : message(e)); // an operator asks why
      }
    });
    return result;
  }

  CompletableFuture<Connection> holePunch(Connection relayed) {
    return host.newStream(relayed, PROTOCOL).thenCompose(s -> attempt(s, relayed.remotePeer(), 1)
        .whenComplete((c, e) -> s.reset()));
  }

  private CompletableFuture<Connection> attempt(Libp2pStream s, PeerId peer, int n) {
    if (!budget.tryAcquire(peer)) {
      return CompletableFuture.failedFuture(new IllegalStateException("dcutr: dial budget for " + peer + " ("
          + budget.perPeer() + " a minute, " + budget.total() + " in all) spent"));
    }
    List<Multiaddr> mine = ownAddresses(s.connection());
    long sent = System.nanoTime();
    s.channel().writeAndFlush(Unpooled.wrappedBuffer(DcutrMessage.connect(bytes(mine)).encodeDelimited()));
    return ReadDelimited.read(s.channel(), DcutrMessage.MAX_LENGTH, "dcutr connect").thenCompose(bytes -> {
      long rtt = System.nanoTime() - sent;
      DcutrMessage answer = DcutrMessage.decode(bytes);
      if (answer.type() != DcutrMessage.CONNECT) {
        throw new IllegalArgumentException("dcutr: expected CONNECT, got type " + answer.type());
      }
      List<Multiaddr> offered = parse(answer.addrs());
      if (offered.isEmpty()) {
        throw new IllegalStateException("dcutr: " + peer + " offers no direct address");
      }
      if (birthdayRound(n, birthdayWith(s.connection()), protocolsOf(s.connection()), mine, offered)) {
        Duration window = PUNCH_WINDOW.plusNanos(3 * rtt);
        s.channel().writeAndFlush(Unpooled.wrappedBuffer(DcutrMessage.sync().encodeDelimited()));
        return later(s, rtt / 2, () -> birthdayPunch(peer, offered, window));
      }
      if (quicRound(n, mine, offered)) {
        return punchQuic(s, peer, offered, rtt);
      }
      List<Multiaddr> theirs = offered.stream().filter(Dcutr::directTcp).toList();
      if (theirs.isEmpty()) {
        throw new IllegalStateException("dcutr: " + peer + " offers no direct TCP address");
      }
      // the peer's punch may reach our listener before our own dial leaves; on it we are still the dialer
      CompletableFuture<Connection> punchedIn = host.expectPunch(theirs, peer,
          PUNCH_WINDOW.plusNanos(3 * rtt));
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(DcutrMessage.sync().encodeDelimited()));
      return firstSuccess(later(s, rtt / 2, () -> punchAll(theirs, peer, true)), punchedIn);
    }).handle((c, e) -> {
      if (c != null) {
        LOG.info("libp2p: hole punch to {} worked (attempt {}); direct at {}", peer, n, c.remoteAddress());
        return CompletableFuture.completedFuture(c);
      }
      if (hasDirect(peer)) { // the peer's simultaneous dial made it
        return CompletableFuture.completedFuture(host.connections().stream()
            .filter(x -> x.remotePeer().equals(peer) && !x.relayed() && x.isOpen()).findFirst().orElseThrow());
      }
      int last = birthdayWith(s.connection()) ? ATTEMPTS + 1 : ATTEMPTS;
      if (n >= last || e instanceof IllegalStateException || unwrap(e) instanceof IllegalStateException
          || !s.channel().isActive()) {
        return CompletableFuture.<Connection>failedFuture(unwrap(e));
      }
      LOG.debug("dcutr: attempt {} to {} failed: {}", n, peer, message(e));
      return attempt(s, peer, n + 1);
    }).thenCompose(f -> f);
  }

  /**
   * A QUIC round on the initiating side (DCUtR.md, "for QUIC"): SYNC, and random UDP datagrams from
   * our QUIC port to the peer's QUIC addresses, opening our NAT towards it, while the peer's QUIC
   * dial (it dials on SYNC) comes in through the hole to our listener. Completes with that
   * connection. The datagrams start with SYNC, not RTT/2 later as the spec has it: unlike a TCP SYN
   * in a simultaneous open, our datagram cannot itself make the connection, so a peer's Initial
   * that reaches our NAT before it is dropped and quiche sends the next only after its first probe
   * timeout (about 1 s); in the NAT lab the spec's timing lost that race in most trials (direct
   * after 1-4.6 s, median 1.6, against 0.7 for TCP). Sent early, our first datagram reaches the
   * peer's NAT before its mapping exists and is dropped there, which a NAT that drops unsolicited
   * datagrams (home routers, the lab's) does without keeping state.
   */
  private CompletableFuture<Connection> punchQuic(Libp2pStream s, PeerId peer, List<Multiaddr> theirs, long rtt) {
    Duration window = PUNCH_WINDOW.plusNanos(3 * rtt);
    CompletableFuture<Connection> punchedIn = host.expectQuicPunch(peer, window);
    s.channel().writeAndFlush(Unpooled.wrappedBuffer(DcutrMessage.sync().encodeDelimited()));
    List<Multiaddr> quic = theirs.stream().filter(Dcutr::directQuic).toList();
    host.punchUdp(quic, punchedIn, window);
    LOG.debug("dcutr: punching UDP to {} at {} for its QUIC dial", peer, quic);
    return punchedIn;
  }

  /** What {@code start} returns, started {@code nanos} from now on {@code s}'s event loop. */
  private static CompletableFuture<Connection> later(Libp2pStream s, long nanos,
      java.util.function.Supplier<CompletableFuture<Connection>> start) {
    CompletableFuture<Connection> out = new CompletableFuture<>();
    s.channel().eventLoop().schedule(() -> start.get().whenComplete((c, e) -> {
      if (c != null) {
        out.complete(c);
      } else {
        out.completeExceptionally(e);
      }
    }), nanos, TimeUnit.NANOSECONDS);
    return out;
  }

  private static List<byte[]> bytes(List<Multiaddr> addrs) {
    return addrs.stream().map(Multiaddr::toBytes).toList();
  }

  /** The answering side: CONNECT in, CONNECT out, then on SYNC dial (if we listen), for each attempt. */
  private void respond(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    if (!s.connection().relayed()) {
      s.reset(); // DCUtR only makes sense on a relayed connection
      return;
    }
    answer(s, 1);
  }

  private void answer(Libp2pStream s, int round) {
    PeerId peer = s.connection().remotePeer();
    List<Multiaddr> mine = ownAddresses(s.connection());
    ReadDelimited.read(s.channel(), DcutrMessage.MAX_LENGTH, "dcutr connect").thenCompose(bytes -> {
      DcutrMessage connect = DcutrMessage.decode(bytes);
      if (connect.type() != DcutrMessage.CONNECT) {
        throw new IllegalArgumentException("dcutr: expected CONNECT, got type " + connect.type());
      }
      List<Multiaddr> theirs = parse(connect.addrs());
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(DcutrMessage.connect(bytes(mine)).encodeDelimited()));
      return ReadDelimited.read(s.channel(), DcutrMessage.MAX_LENGTH, "dcutr sync").thenApply(sync -> {
        if (DcutrMessage.decode(sync).type() != DcutrMessage.SYNC) {
          throw new IllegalArgumentException("dcutr: expected SYNC");
        }
        return theirs;
      });
    }).whenComplete((theirs, e) -> {
      if (e != null) {
        LOG.debug("dcutr: exchange with {} ended: {}", peer, message(e));
        s.reset();
        return;
      }
      if (!host.listenAddresses().isEmpty() && !hasDirect(peer)) {
        if (!budget.tryAcquire(peer)) {
          LOG.debug("dcutr: {} asks for more hole punches than its budget ({} a minute, {} in all); not dialling",
              peer, budget.perPeer(), budget.total());
          s.reset();
          return;
        }
        if (birthdayRound(round, birthdayWith(s.connection()), protocolsOf(s.connection()), mine, theirs)) {
          birthdayPunch(peer, theirs, PUNCH_WINDOW)
              .whenComplete((c, x) -> LOG.debug("dcutr: birthday punch with {}: {}",
                  peer, x == null ? "direct at " + c.remoteAddress() : message(x)));
          answer(s, round + 1);
          return;
        }
        // a QUIC round: our QUIC dial from our QUIC port is the punch (the initiator sends datagrams)
        boolean quic = quicRound(round, mine, theirs);
        List<Multiaddr> targets = theirs.stream().filter(quic ? Dcutr::directQuic : Dcutr::directTcp).toList();
        LOG.debug("dcutr: round {} with {}: dialling {} over {}", round, peer, targets, quic ? "QUIC" : "TCP");
        punchAll(targets, peer, false).whenComplete((c, x) -> {
          if (x != null) {
            LOG.debug("dcutr: our punch to {} did not connect: {}", peer, message(x));
          }
        });
      }
      answer(s, round + 1); // the initiator may retry on the same stream
    });
  }

  /**
   * Dials all of {@code addrs} at once (a punch must leave for every candidate within the same
   * moment); the first connection wins, later ones stay as spare connections to the peer.
   */
  /** The unilateral upgrade: the peer's addresses one after the other, as an ordinary dialer. */
  private CompletableFuture<Connection> dialInTurn(List<Multiaddr> addrs, PeerId peer, int i, Throwable last) {
    if (i >= addrs.size()) {
      return CompletableFuture.failedFuture(new java.io.IOException("no direct address of " + peer + " answered"
          + (last == null ? "" : " (last: " + message(last) + ")"), last == null ? null : unwrap(last)));
    }
    return host.dialDirect(addrs.get(i), peer, true, false)
        .handle((c, e) -> c != null ? CompletableFuture.completedFuture(c) : dialInTurn(addrs, peer, i + 1, e))
        .thenCompose(f -> f);
  }

  private CompletableFuture<Connection> punchAll(List<Multiaddr> addrs, PeerId peer, boolean initiator) {
    List<Multiaddr> targets = addrs.subList(0, Math.min(addrs.size(), MAX_ADDRS));
    if (targets.isEmpty()) {
      return CompletableFuture.failedFuture(new java.io.IOException("no direct address of " + peer));
    }
    CompletableFuture<Connection> first = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger(targets.size());
    for (Multiaddr a : targets) {
      host.dialDirect(a, peer, initiator, true).whenComplete((c, e) -> {
        if (c != null) {
          first.complete(c);
        } else if (pending.decrementAndGet() == 0) {
          first.completeExceptionally(new java.io.IOException("no direct address of " + peer + " answered (last: "
              + message(e) + ")", unwrap(e)));
        }
      });
    }
    return first;
  }

  /** The first of {@code a}, {@code b} to succeed; fails with {@code a}'s error once both failed. */
  static <T> CompletableFuture<T> firstSuccess(CompletableFuture<T> a, CompletableFuture<T> b) {
    CompletableFuture<T> out = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.BiConsumer<T, Throwable> on = (v, e) -> {
      if (e == null) {
        out.complete(v);
      } else if (failed.incrementAndGet() == 2) {
        a.whenComplete((x, ea) -> out.completeExceptionally(ea != null ? ea : e));
      }
    };
    a.whenComplete(on);
    b.whenComplete(on);
    return out;
  }

  static List<Multiaddr> parse(List<byte[]> raw) {
    List<Multiaddr> out = new ArrayList<>();
    for (byte[] a : raw) {
      try {
        Multiaddr m = Multiaddr.fromBytes(a);
        if (direct(m) && out.size() < MAX_ADDRS) {
          out.add(m.withoutPeerId());
        }
      } catch (IllegalArgumentException e) {
        // an address we cannot dial: skip it
      }
    }
    return out;
  }

  /** Closes {@code relayed} once no stream is open on it (checked every {@link #IDLE_CHECK}). */
  private void closeWhenIdle(Connection relayed) {
    if (!relayed.isOpen()) {
      return;
    }
    relayed.channel().eventLoop().schedule(() -> {
      if (relayed.muxer().streamCount() == 0) {
        LOG.debug("dcutr: closing the idle relayed connection {}", relayed);
        relayed.channel().close();
      } else {
        closeWhenIdle(relayed);
      }
    }, IDLE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static String message(Throwable e) {
    Throwable t = unwrap(e);
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
