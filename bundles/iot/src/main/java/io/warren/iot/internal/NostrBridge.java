package io.warren.iot.internal;

import io.warren.api.LocalRelay;
import io.warren.iot.IotBroker.AclRule.Access;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's side of this node's Nostr relay: a message published locally on a topic matching
 * one of {@code filters} becomes an event of kind {@value NostrWire#KIND} signed by the node;
 * such an event from a device the relay's device allow list names, on a matching topic, is
 * published to local subscribers (and the libp2p bridges) as the device's npub, under the topic
 * rules. Loops cannot form: what came from Nostr never goes back to it, and the node's own events
 * are not read back.
 */
final class NostrBridge implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NostrBridge.class);
  /** Events older or newer than this (seconds from now) are refused, so an old event cannot be replayed. */
  static final long WINDOW_SECONDS = 600;
  /** Event ids remembered to refuse a replay within the window. */
  static final int MAX_SEEN = 10_000;

  private final List<String> filters;
  private final Broker broker;
  private final Bridges bridges;
  private volatile LocalRelay relay;
  private AutoCloseable subscription;
  private final Map<String, Boolean> seen = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
      return size() > MAX_SEEN;
    }
  };
  final AtomicLong sent = new AtomicLong();
  final AtomicLong received = new AtomicLong();
  final AtomicLong refused = new AtomicLong();

  NostrBridge(List<String> filters, Broker broker, Bridges bridges) {
    this.filters = List.copyOf(filters);
    this.broker = broker;
    this.bridges = bridges;
  }

  /** The configured filters, each checked; throws naming a bad one. */
  static List<String> filters(String[] configured) {
    List<String> out = new java.util.ArrayList<>();
    for (String f : configured == null ? new String[0] : configured) {
      for (String part : f.split("[,\\s]+")) {
        if (!part.isBlank()) {
          try {
            Topics.checkFilter(part);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("io.warren.iot: nostr.topics: " + e.getMessage(), e);
          }
          out.add(part);
        }
      }
    }
    return out;
  }

  List<String> filters() {
    return filters;
  }

  boolean enabled() {
    return !filters.isEmpty();
  }

  private boolean bridged(String topic) {
    for (String f : filters) {
      if (Topics.matches(f, topic)) {
        return true;
      }
    }
    return false;
  }

  synchronized void attach(LocalRelay r) {
    detach();
    if (!enabled()) {
      return;
    }
    relay = r;
    subscription = r.subscribe(Set.of(NostrWire.KIND), this::accept);
  }

  synchronized void detach(LocalRelay r) {
    if (relay == r) {
      detach();
    }
  }

  private void detach() {
    relay = null;
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception e) {
        LOG.debug("iot: closing the Nostr subscription failed", e);
      }
      subscription = null;
    }
  }

  @Override
  public synchronized void close() {
    detach();
  }

  /** Called for every message a local client publishes (never for one from a bridge or from Nostr). */
  void forward(Msg m) {
    LocalRelay r = relay;
    if (r == null || !bridged(m.topic()) || m.expired(System.currentTimeMillis()) || !r.running()) {
      return;
    }
    NostrWire.Out out = NostrWire.toEvent(m);
    try {
      r.publish(NostrWire.KIND, out.tags(), out.content());
      sent.incrementAndGet();
    } catch (RuntimeException e) {
      broker.messagesDropped.incrementAndGet();
      LOG.info("iot: message on {} not sent to Nostr: {}", m.topic(), e.getMessage());
    }
  }

  /** An event the relay accepted (signature verified): to local subscribers if a named device sent it. */
  void accept(LocalRelay.Event e) {
    LocalRelay r = relay;
    if (r == null || e.pubkey().equals(r.pubkey())) {
      return; // our own, published from MQTT: never back into it
    }
    String topic = e.tag("t");
    if (topic == null || !bridged(topic)) {
      return;
    }
    String refusal = refusal(r, e);
    if (refusal != null) {
      refused.incrementAndGet();
      LOG.info("iot: Nostr event {} from {} on {} refused: {}", e.id(), e.npub(), topic, refusal);
      return;
    }
    Msg m;
    try {
      m = NostrWire.fromEvent(e, broker.settings().maxMessageBytes());
    } catch (IllegalArgumentException bad) {
      refused.incrementAndGet();
      broker.malformed.incrementAndGet();
      LOG.info("iot: Nostr event {} from {} refused: {}", e.id(), e.npub(), bad.getMessage());
      return;
    }
    received.incrementAndGet();
    broker.publish(m, true); // as from a bridge: not sent back to Nostr
    bridges.forward(m); // but on to the network's members, who never send it back
  }

  private String refusal(LocalRelay r, LocalRelay.Event e) {
    if (!r.namedDevice(e.pubkey())) {
      return "the key is not in device.allow of io.warren.nostr.relay";
    }
    long now = System.currentTimeMillis() / 1000;
    if (Math.abs(now - e.createdAt()) > WINDOW_SECONDS) {
      return "created_at is more than " + WINDOW_SECONDS + " s from now";
    }
    if (!broker.allowed(e.npub(), e.tag("t"), Access.PUB)) {
      broker.refusedAcl.incrementAndGet();
      return "no iot:acl rule lets " + e.npub() + " publish to it";
    }
    synchronized (seen) {
      if (seen.put(e.id(), Boolean.TRUE) != null) {
        return "a replay of an event already delivered";
      }
    }
    return null;
  }
}
