package io.warren.iot.internal;

import io.warren.iot.IotBroker.AclRule;
import io.warren.iot.IotBroker.TopicInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Routing: sessions by client id, retained messages by topic, topic rules, counters. A message
 * published here reaches every session with a matching subscription once (at the highest QoS
 * granted among them) and, unless it came from a bridge, the bridges; one that came from a bridge
 * is never forwarded again, so a cycle of bridges cannot loop.
 */
final class Broker {
  /** Topics tracked by {@code iot:topics}; beyond this many, traffic is counted under {@link #OTHER}. */
  static final int MAX_TRACKED_TOPICS = 10_000;
  static final String OTHER = "(other topics)";
  static final String ANONYMOUS = "anonymous";
  static final String SHARE = "$share/";
  /** Round-robin position of each shared subscription group. */
  private final Map<String, Long> shareTurns = new ConcurrentHashMap<>();

  final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, Msg> retained = new ConcurrentHashMap<>();
  private final Map<String, long[]> topics = new ConcurrentHashMap<>();
  private volatile List<AclRule> acl = List.of();
  private volatile Function<Msg, CompletableFuture<Void>> bridges = m -> CompletableFuture.completedFuture(null);
  private volatile Consumer<Msg> fromMembers = m -> {};
  private final Settings settings;
  final Persistence persistence;
  /** Names QoS 1 messages held for sessions; grows across restarts as it starts at the clock in microseconds. */
  private final AtomicLong keys = new AtomicLong(System.currentTimeMillis() * 1000);
  /** Open MQTT sockets, with or without CONNECT. */
  final AtomicInteger sockets = new AtomicInteger();
  final AtomicLong messagesIn = new AtomicLong();
  final AtomicLong bytesIn = new AtomicLong();
  final AtomicLong messagesOut = new AtomicLong();
  final AtomicLong messagesDropped = new AtomicLong();
  final AtomicLong refusedAuth = new AtomicLong();
  final AtomicLong refusedAcl = new AtomicLong();
  final AtomicLong refusedLimits = new AtomicLong();
  final AtomicLong malformed = new AtomicLong();
  final AtomicLong fromBridges = new AtomicLong();

  Broker(Settings settings, Persistence persistence) {
    this.settings = settings;
    this.persistence = persistence;
    for (Session s : persistence.load(this)) {
      sessions.put(s.clientId, s);
    }
    for (Msg m : persistence.loadRetained()) {
      retained.put(m.topic(), m);
    }
  }

  Settings settings() {
    return settings;
  }

  void acl(List<AclRule> rules) {
    acl = List.copyOf(rules);
  }

  void bridges(Function<Msg, CompletableFuture<Void>> forward) {
    bridges = forward;
  }

  /** Who else hears a message that came from a member over the libp2p bridge (the Nostr side). */
  void fromMembers(Consumer<Msg> passOn) {
    fromMembers = passOn;
  }

  /**
   * A message a member sent over the libp2p bridge: routed here like {@link #publish(Msg, boolean)}
   * from a bridge (never back to the members), and passed on to this node's Nostr devices.
   */
  CompletableFuture<Void> publishFromMember(Msg m) {
    CompletableFuture<Void> written = publish(m, true);
    fromMembers.accept(m);
    return written;
  }

  /** Whether {@code user} may publish to {@code topic} (PUB) or subscribe to {@code filter} (SUB); no rule: no. */
  boolean allowed(String user, String topicOrFilter, AclRule.Access access) {
    for (AclRule r : acl) {
      if ((r.user().equals(user) || r.user().equals("*")) && r.access().allows(access)
          && Topics.covers(r.pattern(), topicOrFilter)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Routes {@code m}, published by a local client ({@code fromBridge} false) or arrived over a
   * bridge; completes once the copies held for persistent sessions are in the store.
   */
  CompletableFuture<Void> publish(Msg m, boolean fromBridge) {
    messagesIn.incrementAndGet();
    bytesIn.addAndGet(m.payload().length);
    count(m);
    if (fromBridge) {
      fromBridges.incrementAndGet();
    }
    CompletableFuture<Void> written = CompletableFuture.completedFuture(null);
    if (m.retain()) {
      if (m.payload().length == 0) {
        if (retained.remove(m.topic()) != null) {
          written = persistence.saveRetained(m);
        }
      } else if (retained.size() < settings.maxRetained() || retained.containsKey(m.topic())) {
        retained.put(m.topic(), m);
        written = persistence.saveRetained(m);
      }
    }
    Msg out = m.withRetain(false);
    // shared subscriptions ($share/<group>/<filter>): one member of each group gets the message
    Map<String, List<Session>> groups = new HashMap<>();
    Map<String, Integer> groupQos = new HashMap<>();
    for (Session s : sessions.values()) {
      int best = -1;
      for (Map.Entry<String, Integer> e : s.subscriptions.entrySet()) {
        String f = e.getKey();
        if (f.startsWith(SHARE)) {
          String filter = Topics.sharedFilter(f);
          if (Topics.matches(filter, m.topic())) {
            groups.computeIfAbsent(f, k -> new ArrayList<>()).add(s);
            groupQos.merge(f, e.getValue(), Math::max);
          }
        } else if (e.getValue() > best && Topics.matches(f, m.topic())) {
          best = e.getValue();
        }
      }
      if (best >= 0) {
        written = hold(s, out, best, written);
      }
    }
    for (Map.Entry<String, List<Session>> g : groups.entrySet()) {
      List<Session> members = g.getValue();
      List<Session> connected = members.stream().filter(x -> x.channel() != null).toList();
      List<Session> pick = connected.isEmpty() ? members : connected;
      int turn = (int) Math.floorMod(shareTurns.merge(g.getKey(), 1L, Long::sum), (long) pick.size());
      Session s = pick.stream().sorted(Comparator.comparing(x -> x.clientId)).toList().get(turn);
      written = hold(s, out, Math.min(groupQos.get(g.getKey()), s.subscriptions.getOrDefault(g.getKey(), 0)), written);
    }
    if (!fromBridge) {
      CompletableFuture<Void> b = bridges.apply(m);
      if (!b.isDone()) {
        written = b; // submitted after the sessions' writes, so done after them
      }
    }
    return written; // writes run in order: the last one done means all are
  }

  private CompletableFuture<Void> hold(Session s, Msg out, int qos, CompletableFuture<Void> written) {
    List<CompletableFuture<Void>> saved = new ArrayList<>(1);
    s.deliver(out, qos, keys.incrementAndGet(),
        s.expirySeconds > 0 ? e -> saved.add(persistence.saveMessage(s.clientId, e)) : null);
    return saved.isEmpty() ? written : saved.get(0);
  }

  /** Holds a retained message sent on subscription like any other (its own key, kept if persistent). */
  void deliverRetained(Session s, Msg r) {
    s.deliver(r, r.qos(), keys.incrementAndGet(), s.expirySeconds > 0 ? e -> persistence.saveMessage(s.clientId, e)
        : null);
  }

  /** The client of {@code s} acknowledged {@code packetId}. */
  void acked(Session s, int packetId) {
    Session.Entry e = s.acked(packetId);
    if (e != null && s.expirySeconds > 0) {
      persistence.deleteMessage(s.clientId, e.key());
    }
  }

  /** The retained messages a new subscription to {@code filter} receives. */
  List<Msg> retainedFor(String filter) {
    List<Msg> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Msg m : retained.values()) {
      if (m.expired(now)) {
        // MQTT 5.0 3.3.2.3.3: an expired retained message is no longer sent to new subscribers
        if (retained.remove(m.topic(), m)) {
          persistence.saveRetained(new Msg(m.topic(), new byte[0], m.qos(), true));
        }
      } else if (Topics.matches(filter, m.topic())) {
        out.add(m);
      }
    }
    return out;
  }

  List<TopicInfo> topics() {
    List<TopicInfo> out = new ArrayList<>();
    topics.forEach((t, c) -> out.add(new TopicInfo(t, c[0], c[1], retained.containsKey(t))));
    out.sort(Comparator.comparing(TopicInfo::topic));
    return out;
  }

  int retainedCount() {
    return retained.size();
  }

  Collection<Session> allSessions() {
    return sessions.values();
  }

  /** Drops the sessions of clients gone longer than their expiry. */
  void expireSessions(long now) {
    sessions.values().removeIf(s -> {
      boolean expired = s.channel() == null && s.disconnectedAt > 0 && now - s.disconnectedAt >= s.expirySeconds * 1000;
      if (expired && s.stored) {
        persistence.deleteSession(s.clientId);
      }
      return expired;
    });
  }

  private void count(Msg m) {
    String key = topics.containsKey(m.topic()) || topics.size() < MAX_TRACKED_TOPICS ? m.topic() : OTHER;
    long[] c = topics.computeIfAbsent(key, k -> new long[2]);
    synchronized (c) {
      c[0]++;
      c[1] += m.payload().length;
    }
  }
}
