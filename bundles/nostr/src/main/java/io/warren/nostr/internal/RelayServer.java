package io.warren.nostr.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.Splice;
import io.warren.nostr.Event;
import io.warren.nostr.RelayLimits;
import io.warren.nostr.internal.EventStore.Outcome;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay: a Netty server speaking HTTP (NIP-11) and WebSocket (NIP-01, NIP-42) on one port.
 *
 * <p>Threads: event loops parse messages and keep each connection's subscriptions; a pool
 * verifies ids and signatures; one writer thread stores accepted events in batches
 * ({@link EventStore#append}: one forced journal write per batch, each OK sent after it; the
 * journal's indexer moves them into the database in bigger transactions) and then fans them out
 * to the live subscriptions, each event's JSON encoded once for all of them; a small pool answers
 * the stored part of REQs.
 *
 * <p>Why one class of this size: it owns the threads above and the hand-offs between them (loop to
 * verifier to writer to fan-out); the per-connection work is in {@link Session}.
 */
public final class RelayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RelayServer.class);
  /** Events stored in one transaction at most. */
  static final int WRITE_BATCH = 512;
  /** HTTP requests other than the upgrade are small; their whole message fits in this. */
  static final int MAX_HTTP_REQUEST = 16 * 1024;

  /** An event on its way to the store, and who to answer. */
  private record Pending(Event event, Session from) {}

  private final RelaySettings settings;
  private final EventStore store;
  private final String nip11;
  /** Every accepted connection, closed with the relay (the event loops are the node's, not ours to stop). */
  private final ChannelGroup connections = new DefaultChannelGroup("nostr-relay", GlobalEventExecutor.INSTANCE);
  private final ExecutorService verifiers;
  private final ExecutorService queries;
  private final BlockingQueue<Pending> writes = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  /** The node's own listeners of accepted events ({@link io.warren.api.LocalRelay#subscribe}). */
  private final Set<java.util.function.Consumer<Event>> taps = ConcurrentHashMap.newKeySet();
  private final Channel server;
  private final String url;
  private volatile boolean closing;
  private final DeviceHub hub;
  private final Gateway gateway;

  /**
   * Binds and starts serving on the node's event loops.
   *
   * @param relayPubkey the operator's pubkey for NIP-11 (hex), or null
   * @param version the software version for NIP-11
   */
  public RelayServer(EventLoops loops, RelaySettings settings, EventStore store, String relayPubkey, String version)
      throws InterruptedException {
    this(loops, settings, store, relayPubkey, version, null);
  }

  /** @param hub the device layer, or null for a plain relay */
  public RelayServer(EventLoops loops, RelaySettings settings, EventStore store, String relayPubkey, String version,
      DeviceHub hub) throws InterruptedException {
    this.hub = hub;
    this.startedAt = System.currentTimeMillis();
    this.version = version;
    this.gateway = hub == null ? null : new Gateway(hub, store, this);
    this.settings = settings;
    this.store = store;
    this.nip11 = informationDocument(settings, relayPubkey, version);
    int cores = Runtime.getRuntime().availableProcessors();
    this.verifiers = Executors.newFixedThreadPool(cores, new DefaultThreadFactory("nostr-verify", true));
    this.queries = Executors.newFixedThreadPool(2, new DefaultThreadFactory("nostr-query", true));
    this.writer = new Thread(this::writeLoop, "nostr-store-writer");
    writer.setDaemon(true);
    try {
      this.server = loops.serverBootstrap()
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 8 << 20))
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              initConnection(ch);
            }
          })
          .bind(settings.host(), settings.port()).sync().channel();
    } catch (RuntimeException | InterruptedException e) {
      shutdownThreads();
      throw e;
    }
    InetSocketAddress bound = (InetSocketAddress) server.localAddress();
    String host = bound.getAddress().getHostAddress();
    this.url = "ws://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
    writer.start();
    LOG.info("Nostr relay listening on {}", url);
  }

  private void initConnection(SocketChannel ch) {
    connections.add(ch);
    RelayLimits l = settings.limits();
    WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
        .websocketPath("/")
        .checkStartsWith(true)
        .handleCloseFrames(true)
        .decoderConfig(WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(l.maxMessageLength())
            .allowExtensions(false)
            .withUTF8Validator(true)
            .closeOnProtocolViolation(false)
            .build())
        .build();
    ch.pipeline()
        .addLast(RequestHeadGuard.NAME, new RequestHeadGuard())
        .addLast("http", new HttpServerCodec())
        .addLast("gateway", gateway != null ? gateway.handler() : new io.netty.channel.ChannelInboundHandlerAdapter())
        .addLast("http-aggregator", new HttpObjectAggregator(MAX_HTTP_REQUEST))
        .addLast("info", new RelayHttpHandler(nip11))
        .addLast("frame-errors", new FrameErrorHandler())
        .addLast("ws", new WebSocketServerProtocolHandler(ws))
        .addLast("ws-aggregator", new WebSocketFrameAggregator(l.maxMessageLength()))
        .addLast("session", new Session(this));
  }

  private final long startedAt;
  private final String version;

  /** The pool that runs store queries off the event loops. */
  java.util.concurrent.Executor queryExecutor() {
    return queries;
  }

  DeviceHub hub() {
    return hub;
  }

  long startedAt() {
    return startedAt;
  }

  String version() {
    return version;
  }

  RelaySettings settings() {
    return settings;
  }

  public String url() {
    return url;
  }

  public int connections() {
    return sessions.size();
  }

  public long storedEvents() {
    return store.count();
  }

  private final java.util.concurrent.atomic.AtomicLong slowReadersClosed = new java.util.concurrent.atomic.AtomicLong();
  private final NostrCounters counters = new NostrCounters();

  /** EVENTs accepted and rejected, events served. */
  NostrCounters counters() {
    return counters;
  }

  /** A connection was closed for not reading (see {@link Session#checkOutput}). */
  void slowReaderClosed() {
    slowReadersClosed.incrementAndGet();
  }

  /** Connections closed for not reading since the relay started. */
  public long slowReadersClosed() {
    return slowReadersClosed.get();
  }

  void opened(Session s) {
    sessions.add(s);
  }

  void closed(Session s) {
    sessions.remove(s);
  }

  /** Verifies off the event loop, then stores or (ephemeral) broadcasts; answers through {@code from}. */
  void submit(Event event, Session from) {
    try {
      verifiers.execute(() -> {
        try {
          event.verify();
        } catch (io.warren.nostr.NostrException e) {
          from.answer(event.id(), false, "invalid: " + e.getMessage());
          return;
        } catch (RuntimeException e) {
          LOG.warn("Verifying event {} failed", event.id(), e);
          from.answer(event.id(), false, "error: could not verify the event");
          return;
        }
        switch (event.kindClass()) {
          case EPHEMERAL -> {
            broadcast(event);
            from.answer(event.id(), true, "");
          }
          default -> writes.add(new Pending(event, from));
        }
      });
    } catch (RejectedExecutionException e) {
      from.answer(event.id(), false, "error: the relay is shutting down");
    }
  }

  /**
   * Accepts an event this node signed itself (no client to answer): broadcast if ephemeral, else
   * stored and then fanned out like any other.
   */
  void submitOwn(Event event) {
    if (closing) {
      throw new IllegalStateException("nostr: the relay is shutting down");
    }
    switch (event.kindClass()) {
      case EPHEMERAL -> broadcast(event);
      default -> writes.add(new Pending(event, null));
    }
  }

  /** Calls {@code tap} with every event accepted from now on (on the verifier or writer thread) until closed. */
  AutoCloseable tap(java.util.function.Consumer<Event> tap) {
    taps.add(tap);
    return () -> taps.remove(tap);
  }

  private void tapped(Event event) {
    for (java.util.function.Consumer<Event> t : taps) {
      try {
        t.accept(event);
      } catch (RuntimeException e) {
        LOG.warn("A local subscriber failed on event {}", event.id(), e);
      }
    }
  }

  /** Finds the stored part of a REQ (its keys) off the event loop. */
  void query(Session from, Subscriptions.Subscription sub) {
    try {
      queries.execute(() -> {
        List<EventStore.Key> keys;
        try {
          keys = store.keys(sub.filters(), settings.limits().defaultLimit(), settings.limits().maxLimit());
        } catch (RuntimeException e) {
          LOG.warn("Query for subscription {} failed", sub.id(), e);
          from.subscriptions().queryFailed(sub, "error: could not query the database");
          return;
        }
        from.subscriptions().queryDone(sub, keys);
      });
    } catch (RejectedExecutionException e) {
      from.subscriptions().queryFailed(sub, "error: the relay is shutting down");
    }
  }

  /** Loads one page of a REQ's stored events off the event loop. */
  void load(Session from, Subscriptions.Subscription sub, List<EventStore.Key> page) {
    try {
      queries.execute(() -> {
        Map<String, String> json;
        try {
          List<String> ids = new ArrayList<>(page.size());
          page.forEach(k -> ids.add(k.id()));
          json = store.load(ids);
        } catch (RuntimeException e) {
          LOG.warn("Loading events for subscription {} failed", sub.id(), e);
          from.subscriptions().queryFailed(sub, "error: could not query the database");
          return;
        }
        from.subscriptions().pageLoaded(sub, page, json);
      });
    } catch (RejectedExecutionException e) {
      from.subscriptions().queryFailed(sub, "error: the relay is shutting down");
    }
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>(WRITE_BATCH);
    while (!closing) {
      try {
        Pending first = writes.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        writes.drainTo(batch, WRITE_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<Pending> batch) {
    List<Event> events = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      events.add(p.event());
    }
    List<Outcome> outcomes;
    try {
      outcomes = store.append(events);
    } catch (RuntimeException e) {
      LOG.warn("Storing {} events failed", batch.size(), e);
      for (Pending p : batch) {
        if (p.from() != null) {
          p.from().answer(p.event().id(), false, "error: could not store the event");
        }
      }
      return;
    }
    // one hop onto each connection's event loop per batch, not one per event: waking a loop
    // from this thread costs more than the matching itself
    List<Subscriptions.Live> stored = new ArrayList<>(batch.size());
    Map<Session, List<Session.Answer>> answers = new LinkedHashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      String id = p.event().id();
      Session.Answer a = switch (outcomes.get(i)) {
        case STORED -> {
          stored.add(Subscriptions.Live.of(p.event()));
          tapped(p.event());
          yield new Session.Answer(id, true, "");
        }
        case DUPLICATE -> new Session.Answer(id, true, "duplicate: already have this event");
        case SUPERSEDED ->
          new Session.Answer(id, false, "duplicate: a newer version of this replaceable event is stored");
      };
      if (p.from() != null) {
        answers.computeIfAbsent(p.from(), s -> new ArrayList<>()).add(a);
      }
    }
    if (!stored.isEmpty()) {
      for (Session s : sessions) {
        s.deliver(stored);
      }
    }
    answers.forEach(Session::answer);
  }

  /** Hands {@code event} to every connection with a subscription; each matches on its own loop. */
  private void broadcast(Event event) {
    List<Subscriptions.Live> one = List.of(Subscriptions.Live.of(event));
    for (Session s : sessions) {
      s.deliver(one);
    }
    tapped(event);
  }

  /** The NIP-11 relay information document. */
  static String informationDocument(RelaySettings s, String pubkey, String version) {
    RelayLimits l = s.limits();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("name", s.name());
    doc.put("description", s.description());
    if (pubkey != null) {
      doc.put("pubkey", pubkey);
    }
    if (!s.contact().isEmpty()) {
      doc.put("contact", s.contact());
    }
    doc.put("supported_nips", List.of(1, 11, 42));
    doc.put("version", version);
    Map<String, Object> lim = new LinkedHashMap<>();
    lim.put("max_message_length", l.maxMessageLength());
    lim.put("max_subscriptions", l.maxSubscriptions());
    lim.put("max_filters", l.maxFilters());
    lim.put("max_limit", l.maxLimit());
    lim.put("default_limit", l.defaultLimit());
    lim.put("max_subid_length", l.maxSubidLength());
    lim.put("max_event_tags", l.maxEventTags());
    lim.put("min_pow_difficulty", 0);
    lim.put("auth_required", l.authRequired());
    lim.put("payment_required", false);
    lim.put("restricted_writes", false);
    lim.put("created_at_upper_limit", l.createdAtUpperLimit());
    lim.put("max_events_per_second", l.eventsPerSecond());
    lim.put("max_reqs_per_second", l.reqsPerSecond());
    doc.put("limitation", lim);
    return Json.write(doc);
  }

  @Override
  public void close() {
    closing = true;
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    for (Session s : sessions) {
      s.shutdown();
    }
    // after each session's goodbye (queued first on its loop): plain HTTP, gateway and device connections too
    for (Channel ch : connections) {
      ch.eventLoop().execute(() -> Splice.flushAndClose(ch));
    }
    connections.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    shutdownThreads();
    // never interrupt a thread inside H2: an interrupt closes its file channel
    try {
      writer.join(10_000);
      queries.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("Nostr relay on {} stopped", url);
  }

  private void shutdownThreads() {
    verifiers.shutdownNow();
    queries.shutdown();
  }
}
