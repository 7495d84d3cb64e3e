package io.warren.iot.internal;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's session: its subscriptions and the QoS 1 messages sent and not yet acknowledged
 * (resent with DUP when the client comes back; kept in the store by {@link Persistence} when the session has an expiry) or queued behind the inflight window. Outlives the
 * connection for {@link #expirySeconds}. Delivery may be called from any thread.
 */
final class Session {
  final String clientId;
  /** filter -> granted QoS. */
  final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();
  private final int maxInflight;
  private final int maxQueued;
  private final LinkedHashMap<Integer, Entry> inflight = new LinkedHashMap<>();
  private final ArrayDeque<Entry> queue = new ArrayDeque<>();
  private Channel channel;
  private int nextPacketId = 1;
  volatile String user;
  volatile String address = "-";
  volatile int protocol;
  volatile long expirySeconds;
  volatile long disconnectedAt;
  /** Whether {@link Persistence} has written it (so there is something to delete). */
  volatile boolean stored;
  private final AtomicLong sent;
  private final AtomicLong dropped;
  /** Called with the key of a queued message whose expiry interval passed before it could be sent. */
  volatile java.util.function.LongConsumer onExpired = k -> {};

  /** {@code sent} and {@code dropped} count for the whole broker. */
  Session(String clientId, int maxInflight, int maxQueued, AtomicLong sent,
      AtomicLong dropped) {
    this.clientId = clientId;
    this.sent = sent;
    this.dropped = dropped;
    this.maxInflight = maxInflight;
    this.maxQueued = maxQueued;
  }

  /**
   * A QoS 1 message held for this session: {@code key} names it in the store, {@code dup} says it
   * may have been sent before (it came back from the store).
   */
  record Entry(long key, Msg msg, boolean dup) {}

  /**
   * Sends {@code m} at {@code qos} now, or queues it (QoS 1) while the window is full or the client
   * away; the QoS 1 entry held ({@code key} names it), or null when nothing is held. {@code keep}
   * (null: none) is given the entry before it can be sent: a store write queued there is queued
   * before the client's acknowledgement can queue its deletion (which {@link #acked} hands out only
   * after this returns), so a fast PUBACK cannot leave the copy stored.
   */
  synchronized Entry deliver(Msg m, int qos, long key, java.util.function.Consumer<Entry> keep) {
    if (m.expired(System.currentTimeMillis())) {
      dropped.incrementAndGet(); // MQTT 5: an expired message is not delivered
      return null;
    }
    Msg out = m.withQos(Math.min(qos, m.qos()));
    if (out.qos() == 0) {
      if (channel != null) {
        write(out, 0, false);
      } else {
        dropped.incrementAndGet(); // QoS 0 is not kept for absent clients
      }
      return null;
    }
    Entry e = new Entry(key, out, false);
    boolean now = channel != null && inflight.size() < maxInflight;
    if (!now && queue.size() >= maxQueued) {
      dropped.incrementAndGet();
      return null;
    }
    if (keep != null) {
      keep.accept(e);
    }
    if (now) {
      int id = nextId();
      inflight.put(id, e);
      write(out, id, false);
    } else {
      queue.add(e);
    }
    return e;
  }

  /** Puts back an entry read from the store (before the client reconnects). */
  synchronized void restore(Entry e) {
    queue.add(e);
  }

  /** The client acknowledged {@code packetId}: free its slot, send what waits; the entry acknowledged, or null. */
  synchronized Entry acked(int packetId) {
    Entry e = inflight.remove(packetId);
    if (e != null) {
      drain();
    }
    return e;
  }

  /**
   * The client is (back) on {@code ch}: resend the unacknowledged with DUP (their delivery had
   * started, so they go even when expired since), then what was queued and has not expired.
   */
  synchronized void attach(Channel ch) {
    channel = ch;
    disconnectedAt = 0;
    for (Map.Entry<Integer, Entry> e : inflight.entrySet()) {
      write(e.getValue().msg(), e.getKey(), true);
    }
    drain();
  }

  /** {@code ch} closed; false if another connection had already taken the session over. */
  synchronized boolean detach(Channel ch) {
    if (channel != ch) {
      return false;
    }
    channel = null;
    disconnectedAt = System.currentTimeMillis();
    return true;
  }

  synchronized Channel channel() {
    return channel;
  }

  synchronized int inflightCount() {
    return inflight.size();
  }

  synchronized int queuedCount() {
    return queue.size();
  }

  private void drain() {
    Iterator<Entry> it = queue.iterator();
    while (channel != null && inflight.size() < maxInflight && it.hasNext()) {
      Entry e = it.next();
      it.remove();
      if (e.msg().expired(System.currentTimeMillis())) {
        dropped.incrementAndGet(); // expired while queued: not delivered (MQTT 5.0 3.3.2.3.3)
        onExpired.accept(e.key());
        continue;
      }
      int id = nextId();
      inflight.put(id, e);
      write(e.msg(), id, e.dup());
    }
  }

  private void write(Msg m, int id, boolean dup) {
    sent.incrementAndGet();
    channel.writeAndFlush(Packets.publish(m, id, dup));
  }

  private int nextId() {
    for (int i = 0; i < 65535; i++) {
      int id = nextPacketId;
      nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
      if (!inflight.containsKey(id)) {
        return id;
      }
    }
    throw new IllegalStateException("no free packet id"); // unreachable: inflight is capped far below 65535
  }
}
