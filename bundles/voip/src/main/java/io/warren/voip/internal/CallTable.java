package io.warren.voip.internal;

import io.warren.api.PeerRef;
import io.warren.voip.Call;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls this node is a party to, bounded by {@code max.calls} in all and {@code max.calls.per.peer}
 * with one other node, and the last {@value #RECENT} ended ones as they last looked.
 */
final class CallTable {
  /** Ended calls voip:calls still shows, newest first. */
  static final int RECENT = 16;
  private final Map<String, Party> parties = new ConcurrentHashMap<>();
  private final Deque<Call> recent = new ArrayDeque<>();
  private final int maxCalls;
  private final int maxPerPeer;

  CallTable(int maxCalls, int maxPerPeer) {
    this.maxCalls = maxCalls;
    this.maxPerPeer = maxPerPeer;
  }

  /** Why one more call with {@code peer} is refused now, or null when it is not. */
  synchronized String full(PeerRef peer) {
    if (parties.size() >= maxCalls) {
      return "busy: " + maxCalls + " calls already (max.calls)";
    }
    long withPeer = parties.values().stream().filter(p -> p.peer.equals(peer)).count();
    if (withPeer >= maxPerPeer) {
      return "busy: " + withPeer + " calls with " + peer + " already (max.calls.per.peer)";
    }
    return null;
  }

  /** Adds {@code p}; returns why it was not added (a limit, or a call of its id exists), or null. */
  synchronized String add(Party p) {
    String why = full(p.peer);
    if (why != null) {
      return why;
    }
    return parties.putIfAbsent(p.id, p) == null ? null : "call " + p.id + " exists";
  }

  Party get(String id) {
    return parties.get(id);
  }

  Collection<Party> all() {
    return parties.values();
  }

  int size() {
    return parties.size();
  }

  /** Takes {@code p} out, once: false when it was out already. */
  boolean remove(Party p) {
    return parties.remove(p.id, p);
  }

  /** Keeps {@code last} among the recent calls. */
  void ended(Call last) {
    synchronized (recent) {
      recent.addFirst(last);
      while (recent.size() > RECENT) {
        recent.removeLast();
      }
    }
  }

  /** The recent call {@code id} with {@code peer}, as it ended. */
  Optional<Call> recent(String id, PeerRef peer) {
    synchronized (recent) {
      return recent.stream().filter(c -> c.id().equals(id) && peer.equals(c.peer())).findFirst();
    }
  }

  List<Call> recent() {
    synchronized (recent) {
      return new ArrayList<>(recent);
    }
  }

  /** The call by its id or a unique prefix of it. */
  Party one(String idText) {
    List<Party> match = parties.values().stream().filter(p -> p.id.startsWith(idText)).toList();
    if (match.size() != 1 || idText.isEmpty()) {
      throw new IllegalArgumentException("voip: " + (match.isEmpty() ? "no call " : "more than one call starts with ")
          + idText + " (voip:calls lists them)");
    }
    return match.get(0);
  }
}
