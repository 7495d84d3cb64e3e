package io.warren.nostr.internal;

import io.netty.channel.Channel;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.NostrException;
import io.warren.nostr.RelayLimits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One connection's subscriptions (NIP-01 REQ and CLOSE): checks a REQ against the limits, has the
 * relay query the stored part off the event loop, sends stored events, EOSE and then live ones.
 * Runs on the connection's event loop; {@link #deliver}, {@link #queryDone} and
 * {@link #queryFailed} are called from other threads and hop onto it.
 */
final class Subscriptions {
  /** Live events held for one subscription while its stored events are still being read. */
  static final int MAX_BACKLOG = 10_000;

  /** A REQ: stored events are being fetched until {@link #live}; live events wait in backlog. */
  static final class Subscription {
    private final String id;
    private final List<Filter> filters;
    private boolean live;
    private List<Event> backlog = new ArrayList<>();

    Subscription(String id, List<Filter> filters) {
      this.id = id;
      this.filters = filters;
    }

    String id() {
      return id;
    }

    List<Filter> filters() {
      return filters;
    }

    boolean matches(Event e) {
      for (Filter f : filters) {
        if (f.matches(e)) {
          return true;
        }
      }
      return false;
    }
  }

  private final Session session;
  private final RelayServer relay;
  private final RelayLimits limits;
  private final TokenBucket reqRate;
  private final Map<String, Subscription> open = new HashMap<>();
  /** Read from other threads: no subscription, no hop onto the loop for new events. */
  private volatile boolean any;

  Subscriptions(Session session, RelayServer relay) {
    this.session = session;
    this.relay = relay;
    this.limits = relay.settings().limits();
    this.reqRate = new TokenBucket(limits.reqsPerSecond(), System.nanoTime());
  }

  /** A REQ message; {@code authenticated} whether the connection passed NIP-42. */
  void onReq(List<?> m, boolean authenticated) {
    if (m.size() < 2 || !(m.get(1) instanceof String subId)) {
      session.malformed("invalid: REQ needs a subscription id string");
      return;
    }
    if (subId.isEmpty() || subId.length() > limits.maxSubidLength()) {
      session.send(
          Messages.closed(subId, "invalid: subscription id must be 1-" + limits.maxSubidLength() + " characters"));
      return;
    }
    if (!reqRate.tryTake(System.nanoTime())) {
      session.send(Messages.closed(subId, "rate-limited: more than " + limits.reqsPerSecond() + " REQs per second"));
      return;
    }
    if (limits.authRequired() && !authenticated) {
      session.send(Messages.closed(subId, "auth-required: this relay serves authenticated clients (NIP-42)"));
      return;
    }
    int count = m.size() - 2;
    if (count == 0) {
      session.send(Messages.closed(subId, "invalid: REQ needs at least one filter"));
      return;
    }
    if (count > limits.maxFilters()) {
      session.send(Messages.closed(subId, "invalid: more than " + limits.maxFilters() + " filters in one REQ"));
      return;
    }
    List<Filter> filters = new ArrayList<>(count);
    try {
      for (Object f : m.subList(2, m.size())) {
        filters.add(Filter.fromJson(f));
      }
    } catch (NostrException e) {
      String msg = e.getMessage();
      session.send(Messages.closed(subId, msg.startsWith("unsupported:") ? msg : "invalid: " + msg));
      return;
    }
    Subscription previous = open.get(subId);
    if (previous == null && open.size() >= limits.maxSubscriptions()) {
      session.send(Messages.closed(subId, "blocked: more than " + limits.maxSubscriptions()
          + " open subscriptions on this connection; CLOSE one first"));
      return;
    }
    Subscription sub = new Subscription(subId, filters);
    open.put(subId, sub);
    any = true;
    boolean anyStored = false;
    for (Filter f : filters) {
      int limit = f.limit() == null ? limits.defaultLimit() : f.limit();
      anyStored |= limit > 0 && !f.matchesNothing();
    }
    if (anyStored) {
      relay.query(session, sub);
    } else {
      goLive(sub, List.of());
    }
  }

  /** A CLOSE message. */
  void onClose(List<?> m) {
    if (m.size() != 2 || !(m.get(1) instanceof String subId)) {
      session.malformed("invalid: CLOSE takes one subscription id string");
      return;
    }
    remove(subId);
  }

  void queryDone(Subscription sub, List<EventStore.Row> rows) {
    session.onLoop(() -> {
      if (open.get(sub.id) == sub) {
        goLive(sub, rows);
        session.flushSoon();
      }
    });
  }

  void queryFailed(Subscription sub, String message) {
    session.onLoop(() -> {
      if (open.get(sub.id) == sub) {
        remove(sub.id);
        session.send(Messages.closed(sub.id, message));
        session.flushSoon();
      }
    });
  }

  /** Sends the stored events, EOSE, then what arrived live meanwhile (without repeats). */
  private void goLive(Subscription sub, List<EventStore.Row> rows) {
    Set<String> sent = new HashSet<>();
    for (EventStore.Row r : rows) {
      session.send(Messages.event(sub.id, r.json()));
      sent.add(r.id());
    }
    session.send(Messages.eose(sub.id));
    for (Event e : sub.backlog) {
      if (!sent.contains(e.id())) {
        session.send(Messages.event(sub.id, e.toJson()));
      }
    }
    sub.backlog = null;
    sub.live = true;
  }

  private void remove(String subId) {
    open.remove(subId);
    any = !open.isEmpty();
  }

  /** Ends every subscription (the connection is closing). */
  void clear() {
    open.clear();
    any = false;
  }

  /** Newly accepted events, in the order accepted; called from any thread. */
  void deliver(List<Event> events, Channel ch) {
    if (!any) {
      return;
    }
    session.onLoop(() -> {
      boolean sentAny = false;
      for (Event event : events) {
        for (Subscription sub : new ArrayList<>(open.values())) {
          if (!sub.matches(event)) {
            continue;
          }
          if (!sub.live) {
            if (sub.backlog.size() < MAX_BACKLOG) {
              sub.backlog.add(event);
            } else {
              remove(sub.id);
              session.send(
                  Messages.closed(sub.id, "error: too many new events arrived while stored ones were read; REQ again"));
              sentAny = true;
            }
          } else if (!ch.isWritable()) {
            // the client reads slower than events arrive: end this subscription rather than buffer without bound
            remove(sub.id);
            session.send(Messages.closed(sub.id, "error: the client is not reading fast enough; subscription ended"));
            sentAny = true;
          } else {
            session.send(Messages.event(sub.id, event.toJson()));
            sentAny = true;
          }
        }
      }
      if (sentAny) {
        session.flushSoon();
      }
    });
  }
}
