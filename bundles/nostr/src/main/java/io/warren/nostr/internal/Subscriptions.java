package io.warren.nostr.internal;

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
 * relay find the stored part off the event loop, streams the stored events, then EOSE and live
 * ones. Runs on the connection's event loop; {@link #deliver}, {@link #queryDone},
 * {@link #pageLoaded} and {@link #queryFailed} are called from other threads and hop onto it.
 *
 * <p>Backpressure: a REQ's stored events are found as keys (id, time, size), then loaded and
 * written a page at a time, the next page only while the connection is writable; a client that
 * stops reading stops the stream, and what its REQs still owe counts towards its unread output
 * ({@link #owedBytes}), which the {@link Session} caps.
 */
final class Subscriptions {
  /** Live events held for one subscription while its stored events are still being sent. */
  static final int MAX_BACKLOG = 10_000;
  /** Stored events loaded and written at once, at most (and at most {@link #PAGE_BYTES} of them). */
  static final int PAGE_EVENTS = 100;
  static final int PAGE_BYTES = 256 * 1024;

  /**
   * A newly accepted event with its JSON as UTF-8, encoded once for every subscriber it goes to,
   * and its last whole frame ({@link #frame}): subscribers with the same subscription id get the
   * same bytes.
   */
  static final class Live {
    private final Event event;
    private final byte[] json;
    /** The frame for the last subscription prefix asked for (read and set by several loops). */
    private volatile Framed framed;

    private record Framed(byte[] prefix, byte[] frame) {}

    Live(Event event, byte[] json) {
      this.event = event;
      this.json = json;
    }

    static Live of(Event e) {
      return new Live(e, e.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Event event() {
      return event;
    }

    byte[] json() {
      return json;
    }

    /** The WebSocket frame of this event after {@code prefix} ({@link Messages#eventFrame}); do not modify. */
    byte[] frame(byte[] prefix) {
      Framed f = framed;
      if (f == null || !java.util.Arrays.equals(f.prefix(), prefix)) {
        f = new Framed(prefix, Messages.eventFrame(prefix, json));
        framed = f;
      }
      return f.frame();
    }
  }

  /** A REQ: stored events are being sent until {@link #live}; live events wait in backlog. */
  static final class Subscription {
    private final String id;
    private final List<Filter> filters;
    private boolean live;
    private List<Live> backlog = new ArrayList<>();
    /** The stored events to send (from {@link #next}), once found; a page is being loaded while {@link #loading}. */
    private List<EventStore.Key> stored;
    private int next;
    private boolean loading;
    /** Bytes of stored events not yet written, plus the live events held in backlog. */
    private long owed;
    private final Set<String> sent = new HashSet<>();
    /** {@code ["EVENT","<id>",} in UTF-8: what each live event's JSON follows. */
    private final byte[] eventPrefix;

    Subscription(String id, List<Filter> filters) {
      this.id = id;
      this.filters = filters;
      this.eventPrefix = Messages.eventPrefix(id);
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
  /** Sum of the open subscriptions' {@link Subscription#owed}. */
  private long owed;
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
    if (previous != null) {
      remove(subId);
    }
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
      goLive(sub);
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

  /** The keys of {@code sub}'s stored events were found: start streaming them. */
  void queryDone(Subscription sub, List<EventStore.Key> keys) {
    session.onLoop(() -> {
      if (open.get(sub.id) == sub) {
        sub.stored = keys;
        long bytes = 0;
        for (EventStore.Key k : keys) {
          bytes += k.size();
        }
        owe(sub, bytes);
        pump(sub);
      }
    });
  }

  /** A page of {@code sub}'s stored events was loaded (id to JSON; ids gone meanwhile are missing). */
  void pageLoaded(Subscription sub, List<EventStore.Key> page, Map<String, String> json) {
    session.onLoop(() -> {
      sub.loading = false;
      if (open.get(sub.id) != sub) {
        return;
      }
      for (EventStore.Key k : page) {
        String j = json.get(k.id());
        if (j != null) {
          session.sendEvent(sub.id, j);
          sub.sent.add(k.id());
        }
        owe(sub, -k.size());
      }
      session.flushSoon();
      pump(sub);
    });
  }

  /**
   * Sends {@code sub}'s next page of stored events when the connection is writable (else waits
   * for {@link #writable}), or EOSE and the backlog once all are sent.
   */
  private void pump(Subscription sub) {
    if (sub.loading || sub.live || sub.stored == null || open.get(sub.id) != sub) {
      return;
    }
    if (sub.next >= sub.stored.size()) {
      goLive(sub);
      session.flushSoon();
      return;
    }
    if (!session.writable()) {
      session.checkOutput();
      return;
    }
    int end = sub.next;
    long bytes = 0;
    while (end < sub.stored.size() && end - sub.next < PAGE_EVENTS && (bytes == 0 || bytes < PAGE_BYTES)) {
      bytes += sub.stored.get(end++).size();
    }
    List<EventStore.Key> page = List.copyOf(sub.stored.subList(sub.next, end));
    sub.next = end;
    sub.loading = true;
    relay.load(session, sub, page);
  }

  /** The connection became writable again: paused streams go on. */
  void writable() {
    for (Subscription sub : new ArrayList<>(open.values())) {
      pump(sub);
    }
  }

  /** Bytes the open subscriptions still owe the client (stored events not yet written, held live ones). */
  long owedBytes() {
    return owed;
  }

  private void owe(Subscription sub, long bytes) {
    if (open.get(sub.id) == sub) {
      sub.owed += bytes;
      owed += bytes;
    }
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

  /** After the stored events: EOSE, then what arrived live meanwhile (without repeats). */
  private void goLive(Subscription sub) {
    session.send(Messages.eose(sub.id));
    for (Live e : sub.backlog) {
      if (!sub.sent.contains(e.event().id())) {
        session.sendEvent(e.frame(sub.eventPrefix));
      }
    }
    owe(sub, -sub.owed);
    sub.backlog = null;
    sub.stored = null;
    sub.sent.clear();
    sub.live = true;
  }

  private void remove(String subId) {
    Subscription sub = open.remove(subId);
    if (sub != null) {
      owed -= sub.owed;
      sub.owed = 0;
    }
    any = !open.isEmpty();
  }

  /** Ends every subscription (the connection is closing). */
  void clear() {
    open.clear();
    owed = 0;
    any = false;
  }

  /** Newly accepted events, in the order accepted; called from any thread. */
  void deliver(List<Live> events) {
    if (!any) {
      return;
    }
    session.onLoop(() -> {
      boolean sentAny = false;
      List<Subscription> subs = new ArrayList<>(open.values());
      for (Live live : events) {
        Event event = live.event();
        for (Subscription sub : subs) {
          if (open.get(sub.id) != sub || !sub.matches(event)) {
            continue;
          }
          if (!sub.live) {
            if (sub.backlog.size() < MAX_BACKLOG) {
              sub.backlog.add(live);
              owe(sub, live.json().length);
            } else {
              remove(sub.id);
              session.send(
                  Messages.closed(sub.id, "error: too many new events arrived while stored ones were read; REQ again"));
              sentAny = true;
            }
          } else if (!session.sendLive(live.frame(sub.eventPrefix))) {
            // the client reads slower than events arrive: end this subscription rather than buffer without bound
            remove(sub.id);
            session.send(Messages.closed(sub.id, "error: the client is not reading fast enough; subscription ended"));
            sentAny = true;
          } else {
            sentAny = true;
          }
        }
      }
      session.writeGathered(); // one write per connection for the batch, not one per event
      if (sentAny) {
        session.flushSoon();
      }
      session.checkOutput();
    });
  }
}
