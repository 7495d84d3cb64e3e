package io.warren.libp2p.internal.host;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The addresses known for peers (from connect, identify and {@code addAddresses}), without the
 * trailing {@code /p2p/<peer>}. Bounded: at most {@code maxPeers} peers (the least recently
 * touched is forgotten first) and {@link #MAX_ADDRESSES_PER_PEER} addresses each (newer ones push
 * out the oldest), so neither identify nor an API caller can grow memory without bound.
 * {@link #addresses} lists direct addresses before circuit ones: a direct connection is preferred.
 */
final class AddressBook {
  static final int MAX_ADDRESSES_PER_PEER = 16;
  static final int DEFAULT_MAX_PEERS = 4096;

  private final int maxPeers;
  private final LinkedHashMap<PeerId, Set<Multiaddr>> byPeer;

  AddressBook(int maxPeers) {
    this.maxPeers = maxPeers;
    this.byPeer = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<PeerId, Set<Multiaddr>> eldest) {
        return size() > AddressBook.this.maxPeers;
      }
    };
  }

  /** Remembers {@code addr} (already without the trailing /p2p) for {@code peer}. */
  synchronized void add(PeerId peer, Multiaddr addr) {
    Set<Multiaddr> set = byPeer.computeIfAbsent(peer, k -> new LinkedHashSet<>());
    if (set.remove(addr) || set.size() < MAX_ADDRESSES_PER_PEER) {
      set.add(addr);
      return;
    }
    var oldest = set.iterator();
    oldest.next();
    oldest.remove();
    set.add(addr);
  }

  /** The addresses known for {@code peer}: direct ones first, then circuit ones, each in the order learned. */
  synchronized List<Multiaddr> addresses(PeerId peer) {
    Set<Multiaddr> set = byPeer.get(peer);
    if (set == null) {
      return List.of();
    }
    List<Multiaddr> out = new ArrayList<>(set.size());
    set.stream().filter(a -> !TcpAddresses.isCircuit(a)).forEach(out::add);
    set.stream().filter(TcpAddresses::isCircuit).forEach(out::add);
    return out;
  }

  synchronized int peers() {
    return byPeer.size();
  }
}
