package io.warren.voip.internal;

import io.netty.util.concurrent.EventExecutorGroup;
import io.warren.api.LocalRelay;
import io.warren.api.PeerRef;
import io.warren.api.Threads;
import io.warren.api.channel.EventLoops;
import io.warren.voip.Call;
import io.warren.voip.RelayStats;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls with Nostr devices, signalled as signed events on this node's relay ({@link DeviceWire}):
 * device to device through this node, the console to a device and back, a device to a node of the
 * network (its leg bridged to a libp2p call placed for it), and a node of the network to a device
 * (its libp2p call bridged to the device's leg once the device accepts). The media of a call between
 * this node's parties goes through two port pairs of this node ({@link MediaRelay}: each leg
 * latches onto its first sender, drops strangers, and is capped in packets and bytes a second); a
 * bridged device sends to the libp2p call's own port pair.
 *
 * <p>Only events from keys the relay's {@code device.allow} names are acted on (a stranger is not
 * answered), dated within {@value #WINDOW_SECONDS} s of the node's clock, each once; a bad one is
 * answered with an error event and changes nothing. A device has at most {@code max.calls.per.device}
 * calls in progress. Events are handled one at a time on a worker of this class's own, never on the
 * relay's threads.
 */
final class DeviceCalls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceCalls.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Events dated further than this (seconds) from now are refused, so an old one cannot be replayed. */
  static final long WINDOW_SECONDS = 600;
  /** Event ids remembered to refuse a replay within the window. */
  static final int MAX_SEEN = 10_000;
  static final String RINGING = "ringing";
  static final String ACTIVE = "active";
  /** The path {@code voip:calls} shows for a call whose media goes through this node's device legs. */
  static final String PATH = "device";

  /** The libp2p side of a bridged call: a device calling a node of the network, or called by one. */
  interface Bridge {
    /**
     * Places a call to {@code peer} over the overlay for {@code device}; {@code watcher} hears it go
     * on and end.
     */
    Party place(String peer, List<String> codecs, PeerRef device, Party.Watcher watcher);

    /** Answers the ringing libp2p call {@code party} with {@code codec}, for the device it rings. */
    void answer(String party, String codec);

    /** Ends the libp2p call {@code party} as {@code why} (a refusal of a ringing one tells its caller {@code detail}). */
    void end(String party, String why, String detail);
  }

  /** The limits and settings that come from the configuration. */
  record Settings(int maxCalls, int maxPerDevice, long ringMillis, boolean autoAnswer, List<String> accepted,
      String address) {}

  /** A call with at least one device. A null key is this node's console; {@link #party} a bridged call. */
  static final class DeviceCall {
    final String id;
    final String caller;
    final String callee;
    final List<String> codecs;
    volatile String state = RINGING;
    volatile String codec = "-";
    volatile MediaRelay.Allocation legs;
    volatile Future<?> timer;
    volatile String party;

    DeviceCall(String id, String caller, String callee, List<String> codecs) {
      this.id = id;
      this.caller = caller;
      this.callee = callee;
      this.codecs = codecs;
    }

    boolean has(String key) {
      return key.equals(caller) || key.equals(callee);
    }
  }

  private final Settings settings;
  private final MediaRelay legs;
  private final EventExecutorGroup timers;
  private final IntSupplier otherCalls;
  private final Consumer<Call> ended;
  private final Bridge bridge;
  private final LongSupplier clockMillis;
  private final Map<String, DeviceCall> calls = new ConcurrentHashMap<>();
  private final Map<String, Boolean> seen = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
      return size() > MAX_SEEN;
    }
  };
  private final ThreadPoolExecutor worker;
  private final AtomicReference<Attached> attached = new AtomicReference<>();
  final LongAdder handled = new LongAdder();
  final LongAdder refused = new LongAdder();

  /**
   * The device calls of a node: legs from {@code ports} (announced as {@code device.address}, else
   * {@code media.bind}), limits and ring timeout from {@code config}, counted with {@code parties}.
   *
   * @param bridge places, answers and ends the libp2p calls bridged to devices
   */
  static DeviceCalls forNode(VoipConfig config, EventLoops loops, PortPairs ports, List<String> accepted,
      CallTable parties, Bridge bridge) {
    String bind = config.media_bind().strip();
    String address = config.device_address().isBlank() ? bind : config.device_address().strip();
    return new DeviceCalls(new Settings(config.max_calls(), config.max_calls_per_device(),
        config.ring_timeout_seconds() * 1000L, config.answer_auto(), accepted, address),
        new MediaRelay(loops, RelaySettings.forDevices(config, bind, address), ports), loops.group(), parties::size,
        parties::ended, bridge, System::currentTimeMillis);
  }

  DeviceCalls(Settings settings, MediaRelay legs, EventExecutorGroup timers, IntSupplier otherCalls,
      Consumer<Call> ended, Bridge bridge, LongSupplier clockMillis) {
    this.settings = settings;
    this.legs = legs;
    this.timers = timers;
    this.otherCalls = otherCalls;
    this.ended = ended;
    this.bridge = bridge;
    this.clockMillis = clockMillis;
    this.worker = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256),
        Threads.named("voip-devices"));
    legs.onIdle(id -> execute(() -> {
      DeviceCall c = calls.get(id);
      if (c != null) {
        end(c, "idle", null, "no media for the idle timeout");
      }
    }));
  }

  /** The relay this listens to and its subscription, swapped as a whole when the relay comes and goes. */
  private record Attached(LocalRelay relay, AutoCloseable subscription) {
    void close() {
      try {
        subscription.close();
      } catch (Exception e) {
        LOG.debug("voip: closing the Nostr subscription failed", e);
      }
    }
  }

  void attach(LocalRelay r) {
    Attached old = attached.getAndSet(new Attached(r, r.subscribe(Set.copyOf(DeviceWire.KINDS), this::heard)));
    if (old != null) {
      old.close();
    }
  }

  void detach(LocalRelay r) {
    Attached a = attached.get();
    if (a != null && a.relay() == r && attached.compareAndSet(a, null)) {
      a.close();
    }
  }

  /** The relay while one is attached, else null. */
  private LocalRelay relay() {
    Attached a = attached.get();
    return a == null ? null : a.relay();
  }

  @Override
  public void close() {
    Attached a = attached.getAndSet(null);
    if (a != null) {
      a.close();
    }
    worker.shutdownNow();
    for (DeviceCall c : new ArrayList<>(calls.values())) {
      end(c, "cancelled", null, "the node's voip service stopped");
    }
    legs.close();
  }

  private void execute(Runnable r) {
    try {
      worker.execute(r);
    } catch (RejectedExecutionException e) {
      refused.increment();
      LOG.info("voip: device signalling busy, dropped an event: {}", e.getMessage());
    }
  }

  /** An event the relay accepted (its signature verified): on a relay thread, so only queued here. */
  void heard(LocalRelay.Event e) {
    LocalRelay r = relay();
    if (r == null || e.pubkey().equals(r.pubkey())) {
      return; // the node's own, to devices
    }
    execute(() -> handle(r, e));
  }

  /** Acts on one event (on the worker); never throws. */
  void handle(LocalRelay r, LocalRelay.Event e) {
    if (!r.namedDevice(e.pubkey())) {
      refused.increment();
      LOG.info("voip: event {} from {} ignored: the key is not in device.allow of io.warren.nostr.relay", e.id(),
          e.npub());
      return;
    }
    long now = clockMillis.getAsLong() / 1000;
    if (Math.abs(now - e.createdAt()) > WINDOW_SECONDS) {
      error(r, e, null, "created_at is more than " + WINDOW_SECONDS + " s from the node's clock");
      return;
    }
    synchronized (seen) {
      if (seen.put(e.id(), Boolean.TRUE) != null) {
        refused.increment();
        LOG.info("voip: event {} from {} ignored: a replay", e.id(), e.npub());
        return;
      }
    }
    DeviceWire.Msg m;
    try {
      m = DeviceWire.parse(e);
    } catch (IllegalArgumentException bad) {
      error(r, e, null, "malformed: " + bad.getMessage());
      return;
    }
    try {
      switch (m.kind()) {
        case DeviceWire.REQUEST -> requested(r, e, m);
        case DeviceWire.ACCEPT -> accepted(r, e.pubkey(), m);
        default -> hungUp(e.pubkey(), m);
      }
      handled.increment();
    } catch (IllegalArgumentException bad) {
      error(r, e, m.call(), bad.getMessage());
    } catch (RuntimeException bad) {
      LOG.warn("voip: event {} from {} failed: {}", e.id(), e.npub(), bad.toString(), bad);
      error(r, e, m.call(), "failed: " + bad.getMessage());
    }
  }

  private void error(LocalRelay r, LocalRelay.Event e, String call, String why) {
    refused.increment();
    LOG.info("voip: event {} (kind {}) from {} refused: {}", e.id(), e.kind(), e.npub(), why);
    publish(r, DeviceWire.ERROR, DeviceWire.error(e.pubkey(), e.id(), call), "voip: " + why);
  }

  private static void publish(LocalRelay r, int kind, List<List<String>> tags, String content) {
    try {
      r.publish(kind, tags, content);
    } catch (RuntimeException e) {
      LOG.info("voip: event of kind {} to {} not published: {}", kind, tags.get(0).get(1), e.getMessage());
    }
  }

  private LocalRelay running() {
    LocalRelay r = relay();
    if (r == null || !r.running()) {
      throw new IllegalArgumentException("voip: this node's Nostr relay does not run (io.warren.nostr.relay)");
    }
    return r;
  }

  /** Why one more call of {@code key} (a device, or null: the console) is refused now, or null. */
  private String full(String key) {
    if (size() + otherCalls.getAsInt() >= settings.maxCalls()) {
      return "busy: " + settings.maxCalls() + " calls already (max.calls)";
    }
    if (key != null) {
      long withKey = calls.values().stream().filter(c -> c.has(key)).count();
      if (withKey >= settings.maxPerDevice()) {
        return "busy: " + withKey + " calls of " + PeerRef.NOSTR + ":" + key + " already (max.calls.per.device)";
      }
    }
    return null;
  }

  private synchronized void add(DeviceCall c) {
    String why = full(c.caller);
    if (why == null) {
      why = full(c.callee);
    }
    if (why == null && calls.putIfAbsent(c.id, c) != null) {
      why = "call " + c.id + " exists";
    }
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
  }

  // ---- what devices send

  private void requested(LocalRelay r, LocalRelay.Event e, DeviceWire.Msg m) {
    String from = e.pubkey();
    boolean toNode = m.callee().equals(r.pubkey());
    if (m.callee().equals(from)) {
      throw new IllegalArgumentException("a device cannot call itself");
    }
    if (!toNode && !r.namedDevice(m.callee())) {
      throw new IllegalArgumentException("unknown device " + PeerRef.NOSTR + ":" + m.callee()
          + " (not in device.allow of io.warren.nostr.relay)");
    }
    if (m.peer() != null && !toNode) {
      throw new IllegalArgumentException("[\"peer\", node] is only for a request to the node ([\"p\", "
          + r.pubkey() + "])");
    }
    DeviceCall c = new DeviceCall(m.call(), from, toNode ? null : m.callee(), m.codecs());
    if (m.peer() != null) {
      c.party = "-"; // a bridge: counted in the libp2p calls, not here
    }
    add(c);
    if (m.peer() != null) {
      publish(r, DeviceWire.RINGING, DeviceWire.ringing(from, c.id, e.id()), ""); // first: the peer may answer at once
      try {
        c.party = bridge.place(m.peer(), m.codecs(), new PeerRef(PeerRef.NOSTR, from), watcher(r, c)).id;
      } catch (RuntimeException bad) {
        calls.remove(c.id, c);
        throw bad;
      }
      LOG.info("voip: call {} from device {} to node {} ringing", c.id, e.npub(), m.peer());
      return;
    }
    publish(r, DeviceWire.RINGING, DeviceWire.ringing(from, c.id, e.id()), "");
    if (c.callee != null) {
      publish(r, DeviceWire.REQUEST, DeviceWire.request(c.callee, c.id, c.codecs, from), "");
    }
    ring(c);
    LOG.info("voip: call {} from device {} to {} ringing", c.id, e.npub(), toNode ? "this node" : c.callee);
    if (toNode && settings.autoAnswer()) {
      try {
        answer(c, null);
      } catch (RuntimeException bad) {
        LOG.info("voip: call {}: auto-answer failed: {}", c.id, bad.getMessage());
      }
    }
  }

  /**
   * Hears the bridged libp2p call: its answer becomes the device's accept (with the call's own port
   * pair), its end the device's hangup.
   */
  private Party.Watcher watcher(LocalRelay r, DeviceCall c) {
    String device = c.caller != null ? c.caller : c.callee;
    return new Party.Watcher() {
      @Override
      public void active(Party p) {
        c.codec = p.codec;
        c.state = ACTIVE;
        publish(r, DeviceWire.ACCEPT, DeviceWire.accept(device, c.id, p.codec, settings.address(), p.om.port()),
            "");
      }

      @Override
      public void ended(Party p, String why) {
        if (calls.remove(c.id, c)) {
          publish(r, DeviceWire.HANGUP, DeviceWire.hangup(device, c.id, why), "the node's call " + p.id + " " + why);
        }
      }
    };
  }

  /**
   * Rings {@code device} for the libp2p call {@code p} a node of the network placed here: the device
   * gets a request signed by this node ({@code from} this node's key, {@code peer} the calling node),
   * its accept answers {@code p} and its leg is {@code p}'s own port pair, its refusal refuses it.
   *
   * @param admit takes {@code p} into the node's calls, or says why not
   * @throws IllegalArgumentException when the relay does not run, the device is unknown or busy, or
   *     {@code admit} refused
   */
  void ringFor(Party p, PeerRef device, Function<Party, String> admit) {
    LocalRelay r = running();
    if (!device.transport().equals(PeerRef.NOSTR) || !r.namedDevice(device.id())) {
      throw new IllegalArgumentException("unknown device " + device + " (not in device.allow of"
          + " io.warren.nostr.relay)");
    }
    DeviceCall c = new DeviceCall(p.id, null, device.id(), p.codecs);
    c.party = p.id;
    add(c);
    p.device = device;
    p.watcher = watcher(r, c);
    String why = admit.apply(p);
    if (why != null) {
      calls.remove(c.id, c);
      throw new IllegalArgumentException(why);
    }
    publish(r, DeviceWire.REQUEST, DeviceWire.request(c.callee, c.id, c.codecs, r.pubkey(), p.peer.id()), "");
    LOG.info("voip: call {} from node {} to device {} ringing", c.id, p.peer, device);
  }

  private void accepted(LocalRelay r, String from, DeviceWire.Msg m) {
    DeviceCall c = calls.get(m.call());
    if (c == null || !from.equals(c.callee)) {
      throw new IllegalArgumentException("no call " + m.call() + " to this device");
    }
    String codec = m.codec() == null ? c.codecs.get(0) : m.codec();
    if (!c.codecs.contains(codec)) {
      throw new IllegalArgumentException("codec " + codec + " was not offered (" + String.join(",", c.codecs) + ")");
    }
    if (c.party != null) { // a node's call: answering it binds its port pair and tells the device (watcher)
      bridge.answer(c.party, codec);
      return;
    }
    activate(r, c, codec);
  }

  /** Binds the call's two legs and tells each device party its own. */
  private void activate(LocalRelay r, DeviceCall c, String codec) {
    synchronized (c) {
      if (!c.state.equals(RINGING) || !c.codec.equals("-")) {
        throw new IllegalArgumentException("call " + c.id + " is " + c.state + (c.state.equals(RINGING)
            ? " and being answered already" : ""));
      }
      c.codec = codec;
    }
    MediaRelay.Allocation a;
    try {
      a = legs.allocate(c.id, new PeerRef(PeerRef.NOSTR, c.caller == null ? c.callee : c.caller), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("voip: interrupted while binding the call's ports", e);
    } catch (RuntimeException e) {
      end(c, "failed", null, e.getMessage());
      throw e;
    }
    c.legs = a;
    c.state = ACTIVE;
    if (c.timer != null) {
      c.timer.cancel(false);
    }
    if (c.caller != null) {
      publish(r, DeviceWire.ACCEPT, DeviceWire.accept(c.caller, c.id, codec, host(a.legA()), port(a.legA())), "");
    }
    if (c.callee != null) {
      publish(r, DeviceWire.ACCEPT, DeviceWire.accept(c.callee, c.id, codec, host(a.legB()), port(a.legB())), "");
    }
    LOG.info("voip: device call {} active ({}), legs {} and {}", c.id, codec, a.legA(), a.legB());
  }

  private static String host(String endpoint) {
    return endpoint.substring(0, endpoint.lastIndexOf(':'));
  }

  private static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  private void hungUp(String from, DeviceWire.Msg m) {
    DeviceCall c = calls.get(m.call());
    if (c == null || !c.has(from)) {
      throw new IllegalArgumentException("no call " + m.call() + " of this device");
    }
    boolean refusal = c.state.equals(RINGING) && from.equals(c.callee);
    end(c, refusal ? "refused" : "hungup", from, m.reason());
  }

  private void ring(DeviceCall c) {
    c.timer = timers.schedule(() -> execute(() -> {
      if (c.state.equals(RINGING) && calls.get(c.id) == c) {
        end(c, "timeout", null, "not answered within " + settings.ringMillis() / 1000 + " s");
      }
    }), settings.ringMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Takes {@code c} out (once), closes its legs (or hangs up its bridged call), tells each device
   * party but {@code except} with a hangup of {@code why}, and keeps its last view among the recent calls.
   */
  private Call end(DeviceCall c, String why, String except, String detail) {
    Call last = view(c).withState(why);
    if (!calls.remove(c.id, c)) {
      return last;
    }
    c.state = why;
    if (c.timer != null) {
      c.timer.cancel(false);
    }
    legs.close(c.id);
    if (c.party != null && !c.party.equals("-")) {
      bridge.end(c.party, why, detail);
    }
    LocalRelay r = relay();
    if (r != null) {
      for (String key : new String[] {c.caller, c.callee}) {
        if (key != null && !key.equals(except)) {
          publish(r, DeviceWire.HANGUP, DeviceWire.hangup(key, c.id, why), detail == null ? "" : detail);
        }
      }
    }
    LOG.info("voip: device call {} {}{}", c.id, why, detail == null || detail.isEmpty() ? "" : ": " + detail);
    if (c.party == null) {
      ended.accept(last);
    }
    return last;
  }

  // ---- the console's side

  /** The device call {@code idText} names (its id or a unique prefix), or null when none does. */
  DeviceCall find(String idText) {
    List<DeviceCall> match = calls.values().stream().filter(c -> c.party == null && c.id.startsWith(idText)).toList();
    if (match.size() > 1 || idText.isEmpty()) {
      throw new IllegalArgumentException("voip: more than one call starts with " + idText + " (voip:calls lists them)");
    }
    return match.isEmpty() ? null : match.get(0);
  }

  /** Calls {@code device} from the console; returns once the request is out (the call rings). */
  Call call(PeerRef device, List<String> codecs) {
    LocalRelay r = running();
    if (!r.namedDevice(device.id())) {
      throw new IllegalArgumentException("voip: unknown device " + device + " (not in device.allow of"
          + " io.warren.nostr.relay)");
    }
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    DeviceCall c = new DeviceCall(HexFormat.of().formatHex(b), null, device.id(), codecs);
    try {
      add(c);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("voip: " + e.getMessage(), e);
    }
    publish(r, DeviceWire.REQUEST, DeviceWire.request(c.callee, c.id, codecs, r.pubkey()), "");
    ring(c);
    LOG.info("voip: call {} to device {} ringing", c.id, device);
    return view(c);
  }

  /** Answers a device's call to the console with {@code codecText} (null: the first offered one this node takes). */
  Call answer(DeviceCall c, String codecText) {
    if (c.callee != null || !c.state.equals(RINGING)) {
      throw new IllegalArgumentException("voip: call " + c.id + " is not ringing here (it is " + c.state + ")");
    }
    String codec = codecText == null || codecText.isBlank() ? Codecs.choose(c.codecs, settings.accepted())
        : Codecs.choose(Codecs.parse(codecText), c.codecs);
    try {
      activate(running(), c, codec);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().startsWith("voip:") ? e.getMessage() : "voip: "
          + e.getMessage(), e);
    }
    return view(c);
  }

  Call refuse(DeviceCall c, String reason) {
    if (c.callee != null || !c.state.equals(RINGING)) {
      throw new IllegalArgumentException("voip: call " + c.id + " is not ringing here (it is " + c.state + ")");
    }
    return end(c, "refused", null, reason == null || reason.isBlank() ? "declined" : reason.strip());
  }

  Call hangup(DeviceCall c) {
    return end(c, "hungup", null, "hung up at the node");
  }

  /** Device calls in progress here (not the bridged ones, which are the node's libp2p calls). */
  int size() {
    return (int) calls.values().stream().filter(c -> c.party == null).count();
  }

  /** The device calls (not the bridged ones, which are listed as the node's libp2p calls), with the legs' counters. */
  List<Call> views() {
    List<Call> all = new ArrayList<>();
    for (DeviceCall c : calls.values()) {
      if (c.party == null) {
        all.add(view(c));
      }
    }
    return all;
  }

  private Call view(DeviceCall c) {
    MediaRelay.Allocation a = c.legs;
    Optional<RelayStats[]> st = a == null ? Optional.empty() : legs.stats(c.id);
    if (c.caller != null && c.callee != null) { // device to device: this node carries both legs
      return new Call(c.id, "relay", new PeerRef(PeerRef.NOSTR, c.caller), c.state, c.codec, PATH,
          a == null ? "-" : a.legA() + "," + a.legB(), Optional.empty(), Optional.empty(), st.map(x -> x[0]),
          st.map(x -> x[1]));
    }
    boolean console = c.caller == null;
    int mine = console ? 0 : 1;
    String media = a == null ? "-" : console ? a.legA() : a.legB();
    return new Call(c.id, console ? "caller" : "callee", new PeerRef(PeerRef.NOSTR, console ? c.callee : c.caller),
        c.state, c.codec, PATH, media, Optional.empty(), Optional.empty(), st.map(x -> x[mine]),
        st.map(x -> x[1 - mine]));
  }
}
