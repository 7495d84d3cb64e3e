package io.warren.libp2p.internal.host;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which connections are open to which peers, and the limits: at most {@code maxConnections} TCP
 * connections at once (counted from accept or connect, so a flood of half-open handshakes counts
 * too), one connection per peer where possible (an open one is reused, concurrent dials to one peer
 * share a dial), and the addresses known for each peer (from connect and identify).
 */
final class ConnectionManager {
  private final int maxConnections;
  private final AtomicInteger channels = new AtomicInteger();
  private final ConcurrentMap<PeerId, List<Connection>> byPeer = new ConcurrentHashMap<>();
  private final AddressBook addresses = new AddressBook(AddressBook.DEFAULT_MAX_PEERS);
  private final ConcurrentMap<PeerId, CompletableFuture<Connection>> dials = new ConcurrentHashMap<>();

  ConnectionManager(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  int maxConnections() {
    return maxConnections;
  }

  /** Counts a new TCP channel; false (and not counted) if the limit is reached. */
  boolean tryOpenChannel() {
    for (;;) {
      int n = channels.get();
      if (n >= maxConnections) {
        return false;
      }
      if (channels.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void channelClosed() {
    channels.decrementAndGet();
  }

  int openChannels() {
    return channels.get();
  }

  void add(Connection c) {
    byPeer.computeIfAbsent(c.remotePeer(), k -> new CopyOnWriteArrayList<>()).add(c);
  }

  void remove(Connection c) {
    byPeer.computeIfPresent(c.remotePeer(), (k, list) -> {
      list.remove(c);
      return list.isEmpty() ? null : list;
    });
  }

  /** An open connection to {@code peer}: direct before relayed, then the oldest. */
  Optional<Connection> get(PeerId peer) {
    List<Connection> list = byPeer.get(peer);
    if (list == null) {
      return Optional.empty();
    }
    return list.stream().filter(Connection::isOpen)
        .min(Comparator.comparing(Connection::relayed).thenComparing(Connection::opened));
  }

  List<Connection> all() {
    List<Connection> out = new ArrayList<>();
    byPeer.values().forEach(out::addAll);
    out.sort(Comparator.comparing(Connection::opened));
    return out;
  }

  /** The dial in progress to {@code peer}, or the one {@code start} begins (sharing it with later callers). */
  CompletableFuture<Connection> dialOnce(PeerId peer,
      java.util.function.Supplier<CompletableFuture<Connection>> start) {
    CompletableFuture<Connection> mine = new CompletableFuture<>();
    CompletableFuture<Connection> existing = dials.putIfAbsent(peer, mine);
    if (existing != null) {
      return existing;
    }
    start.get().whenComplete((c, e) -> {
      dials.remove(peer, mine);
      if (e != null) {
        mine.completeExceptionally(e);
      } else {
        mine.complete(c);
      }
    });
    return mine;
  }

  void addAddress(PeerId peer, Multiaddr addr) {
    addresses.add(peer, addr);
  }

  /** Known addresses of {@code peer}, direct before circuit. */
  List<Multiaddr> addresses(PeerId peer) {
    return addresses.addresses(peer);
  }
}
