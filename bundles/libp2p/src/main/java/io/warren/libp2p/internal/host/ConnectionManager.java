package io.warren.libp2p.internal.host;

import io.warren.api.PeerId;
import io.warren.api.TransportException;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which connections are open to which peers, and the limits: TCP connections take slots of the
 * {@link ResourceScopes} from accept or connect (so a flood of half-open handshakes counts too), at
 * most {@link ResourceScopes.Limits#connectionsPerPeer()} connections per peer, one where possible
 * (an open one is reused, concurrent dials to one peer share a dial), and the addresses known for
 * each peer (from connect and identify).
 */
final class ConnectionManager {
  private final ResourceScopes scopes;
  private final ConcurrentMap<PeerId, List<Connection>> byPeer = new ConcurrentHashMap<>();
  private final AddressBook addresses = new AddressBook(AddressBook.DEFAULT_MAX_PEERS);
  private final ConcurrentMap<PeerId, CompletableFuture<Connection>> dials = new ConcurrentHashMap<>();

  ConnectionManager(ResourceScopes scopes) {
    this.scopes = scopes;
  }

  ResourceScopes scopes() {
    return scopes;
  }

  int maxConnections() {
    return scopes.limits().systemConnections();
  }

  /** Registers {@code c}; throws if its peer already has as many connections as it may. */
  void add(Connection c) {
    int max = scopes.limits().connectionsPerPeer();
    boolean[] added = new boolean[1];
    byPeer.compute(c.remotePeer(), (k, list) -> {
      List<Connection> l = list == null ? new CopyOnWriteArrayList<>() : list;
      if (l.size() < max) {
        l.add(c);
        added[0] = true;
      }
      return l.isEmpty() ? null : l;
    });
    if (!added[0]) {
      scopes.refusedPeerConnection();
      throw new TransportException("libp2p: peer " + c.remotePeer() + " already has " + max
          + " connections open (max.connections.per.peer)");
    }
  }

  /** Connections open per peer, for {@code p2p:limits}. */
  Map<PeerId, Integer> connectionsByPeer() {
    Map<PeerId, Integer> out = new HashMap<>();
    byPeer.forEach((p, l) -> out.put(p, l.size()));
    return out;
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
