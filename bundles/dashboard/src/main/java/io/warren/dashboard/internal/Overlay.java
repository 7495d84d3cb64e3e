package io.warren.dashboard.internal;

import io.warren.api.NetworkMembers;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerAttributes;
import io.warren.api.PeerRef;
import io.warren.api.RecordAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is connected to whom, for the page's map, from what the nodes sign: every node's libp2p
 * bundle puts {@value #LINKS} into its signed peer record (the peers it has a connection to now,
 * each as the end of its peer ID, with {@code @relay} when the connection runs through a relay).
 * This node's own value comes from its {@link RecordAttributes} services as they stand now; the
 * other members' from the records this node holds ({@link PeerAttributes}), verified and about a
 * second old. Nothing is asked of the other nodes for the map.
 */
final class Overlay {
  static final String LINKS = "p2p.links";
  private final Map<RecordAttributes, Boolean> own = new ConcurrentHashMap<>();
  private final Map<PeerAttributes, Boolean> records = new ConcurrentHashMap<>();
  private volatile NetworkMembers members;
  private volatile NodeIdentity identity;

  void addOwn(RecordAttributes a) {
    own.put(a, Boolean.TRUE);
  }

  void removeOwn(RecordAttributes a) {
    own.remove(a);
  }

  void addRecords(PeerAttributes a) {
    records.put(a, Boolean.TRUE);
  }

  void removeRecords(PeerAttributes a) {
    records.remove(a);
  }

  synchronized void members(NetworkMembers m, boolean bound) {
    if (bound) {
      members = m;
    } else if (members == m) {
      members = null;
    }
  }

  synchronized void identity(NodeIdentity i, boolean bound) {
    if (bound) {
      identity = i;
    } else if (identity == i) {
      identity = null;
    }
  }

  /**
   * {@code {self, links: {peerId: value}}}: a value is the node's {@value #LINKS} (empty when its
   * record names no connection), or null when this node holds no record of that member yet.
   */
  Map<String, Object> state() {
    Map<String, Object> links = new LinkedHashMap<>();
    NodeIdentity me = identity;
    if (me != null) {
      links.put(me.peerId(), RecordAttributes.merge(own.keySet(), (s, e) -> {}).getOrDefault(LINKS, ""));
    }
    NetworkMembers m = members;
    if (m != null) {
      for (PeerRef p : m.peers()) {
        if (PeerRef.LIBP2P.equals(p.transport())) {
          links.put(p.id(), linksOf(p));
        }
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("self", me == null ? null : me.peerId());
    doc.put("links", links);
    return doc;
  }

  private String linksOf(PeerRef p) {
    String found = null;
    for (PeerAttributes a : records.keySet()) {
      Optional<Map<String, String>> held;
      try {
        held = a.of(p);
      } catch (RuntimeException e) {
        continue; // that source's fault shows in its own bundle; the map uses the others
      }
      if (held.isPresent()) {
        found = held.get().getOrDefault(LINKS, "");
        if (!found.isEmpty()) {
          return found;
        }
      }
    }
    return found;
  }
}
