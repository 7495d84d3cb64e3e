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

  /** DCUtR on {@code host}, its dial rounds bounded by {@code budget}. */
  public Dcutr(Host host, DialBudget budget) {
    this(host, true, budget);
  }

  /** {@code initiate} false: only answer peers' upgrades (tests drive {@link #upgrade}/{@link #holePunch} themselves). */
  Dcutr(Host host, boolean initiate) {
    this(host, initiate, new DialBudget(6, 60));
  }

  Dcutr(Host host, boolean initiate, DialBudget budget) {
    this.host = host;
    this.initiate = initiate;
    this.budget = budget;
  }

  /** Answers peers' upgrades and, unless constructed not to initiate, starts one on each relayed connection. */
  public void install() {
    host.protocols().add(PROTOCOL, this::respond);
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

  /** Our addresses for a CONNECT (see {@link Host#candidateAddresses()}). */
  /** Our direct addresses for the peer of {@code relayed}, best first: none it cannot use ({@link AddressScope}). */
  List<Multiaddr> ownAddresses(Connection relayed) {
    List<Multiaddr> all = AddressScope.usableFrom(host.candidateAddresses(), relayed.remoteAddress());
    return all.subList(0, Math.min(all.size(), MAX_ADDRS));
  }

  static boolean direct(Multiaddr m) {
    List<Multiaddr.Component> c = m.withoutPeerId().components();
    return c.size() == 2 && (c.get(0).protocol() == Protocol.IP4 || c.get(0).protocol() == Protocol.IP6)
        && c.get(1).protocol() == Protocol.TCP;
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
    List<Multiaddr> theirs = d == null ? List.of() : d.listenAddrs().stream().filter(Dcutr::direct).limit(MAX_ADDRS)
        .toList();
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
    List<byte[]> mine = ownAddresses(s.connection()).stream().map(Multiaddr::toBytes).toList();
    long sent = System.nanoTime();
    s.channel().writeAndFlush(Unpooled.wrappedBuffer(DcutrMessage.connect(mine).encodeDelimited()));
    return ReadDelimited.read(s.channel(), DcutrMessage.MAX_LENGTH, "dcutr connect").thenCompose(bytes -> {
      long rtt = System.nanoTime() - sent;
      DcutrMessage answer = DcutrMessage.decode(bytes);
      if (answer.type() != DcutrMessage.CONNECT) {
        throw new IllegalArgumentException("dcutr: expected CONNECT, got type " + answer.type());
      }
      List<Multiaddr> theirs = parse(answer.addrs());
      if (theirs.isEmpty()) {
        throw new IllegalStateException("dcutr: " + peer + " offers no direct address");
      }
      // the peer's punch may reach our listener before our own dial leaves; on it we are still the dialer
      CompletableFuture<Connection> punchedIn = host.expectPunch(theirs, peer,
          PUNCH_WINDOW.plusNanos(3 * rtt));
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(DcutrMessage.sync().encodeDelimited()));
      CompletableFuture<Connection> dialled = new CompletableFuture<>();
      s.channel().eventLoop().schedule(() -> punchAll(theirs, peer, true).whenComplete((c, e) -> {
        if (c != null) {
          dialled.complete(c);
        } else {
          dialled.completeExceptionally(e);
        }
      }), rtt / 2, TimeUnit.NANOSECONDS);
      return firstSuccess(dialled, punchedIn);
    }).handle((c, e) -> {
      if (c != null) {
        LOG.info("libp2p: hole punch to {} worked (attempt {}); direct at {}", peer, n, c.remoteAddress());
        return CompletableFuture.completedFuture(c);
      }
      if (hasDirect(peer)) { // the peer's simultaneous dial made it
        return CompletableFuture.completedFuture(host.connections().stream()
            .filter(x -> x.remotePeer().equals(peer) && !x.relayed() && x.isOpen()).findFirst().orElseThrow());
      }
      if (n >= ATTEMPTS || e instanceof IllegalStateException || unwrap(e) instanceof IllegalStateException
          || !s.channel().isActive()) {
        return CompletableFuture.<Connection>failedFuture(unwrap(e));
      }
      LOG.debug("dcutr: attempt {} to {} failed: {}", n, peer, message(e));
      return attempt(s, peer, n + 1);
    }).thenCompose(f -> f);
  }

  /** The answering side: CONNECT in, CONNECT out, then on SYNC dial (if we listen), for each attempt. */
  private void respond(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    if (!s.connection().relayed()) {
      s.reset(); // DCUtR only makes sense on a relayed connection
      return;
    }
    answer(s);
  }

  private void answer(Libp2pStream s) {
    PeerId peer = s.connection().remotePeer();
    ReadDelimited.read(s.channel(), DcutrMessage.MAX_LENGTH, "dcutr connect").thenCompose(bytes -> {
      DcutrMessage connect = DcutrMessage.decode(bytes);
      if (connect.type() != DcutrMessage.CONNECT) {
        throw new IllegalArgumentException("dcutr: expected CONNECT, got type " + connect.type());
      }
      List<Multiaddr> theirs = parse(connect.addrs());
      List<byte[]> mine = ownAddresses(s.connection()).stream().map(Multiaddr::toBytes).toList();
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(DcutrMessage.connect(mine).encodeDelimited()));
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
        punchAll(theirs, peer, false).whenComplete((c, x) -> {
          if (x != null) {
            LOG.debug("dcutr: our punch to {} did not connect: {}", peer, message(x));
          }
        });
      }
      answer(s); // the initiator may retry on the same stream
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
