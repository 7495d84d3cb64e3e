package io.warren.voip.internal;

import io.netty.channel.Channel;
import io.warren.api.LocalRelay;
import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import io.warren.api.NetworkMembers;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.Threads;
import io.warren.api.channel.EventLoops;
import io.warren.voip.Call;
import io.warren.voip.RelayStats;
import io.warren.voip.VoipCalls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls, their media over the overlay, and the media relay. Signalling is {@link Wire} on
 * {@code /warren/voip/2.0.0} streams from {@link PeerDirectory#open}, one request and one answer per
 * stream, served only to members of this node's network: the caller offers codecs and the media
 * mode, the callee rings until {@link #answer} (or auto-answer, a refusal, a hangup, the ring
 * timeout), and tells the caller the codec; the caller's node then opens the media stream
 * ({@link OverlayMedia}), or the media goes through a relay node's ports ({@link MediaRelay}). Calls
 * with Nostr devices are {@link DeviceCalls}', signalled as events on this node's {@link LocalRelay}.
 */
@Component(service = {VoipCalls.class, StreamHandler.class, MetricsSource.class, MediaCalls.class},
    immediate = true, configurationPid = "io.warren.voip",
    property = {StreamHandler.PROTOCOL + "=" + Wire.PROTOCOL, MetricsSource.NAME + "=voip"})
@Designate(ocd = VoipConfig.class)
public final class VoipService implements VoipCalls, StreamHandler, MetricsSource, MediaCalls {

  private static final Logger LOG = LoggerFactory.getLogger(VoipService.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PeerDirectory directory;
  private final EventLoops loops;
  private final Requests requests;
  private final MediaRelay relay;
  private final RelaySettings relaySettings;
  private final PortPairs mediaPorts;
  private final String mediaBind;
  private final List<String> accepted;
  private final boolean autoAnswer;
  private final long ringMillis;
  private final int queuePackets;
  private final int maxKbps;
  private final long timeoutMillis;
  private final ThreadPoolExecutor workers;
  private final CallTable parties;
  private final Keepalive keepalive;
  private final LongAdder overlayCalls = new LongAdder();
  private final DeviceCalls devices;
  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile NetworkMembers members;
  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile NodeIdentity self;

  @Activate
  public VoipService(@Reference PeerDirectory directory, @Reference EventLoops loops, VoipConfig config) {
    this.relaySettings = RelaySettings.of(config);
    if (config.max_calls() < 1 || config.max_calls_per_peer() < 1 || config.answer_timeout_seconds() < 1
        || config.ring_timeout_seconds() < 1 || config.media_queue_packets() < 1 || config.media_max_kbps() < 1
        || config.keepalive_seconds() < 1 || config.keepalive_missed() < 1 || config.max_calls_per_device() < 1) {
      throw new IllegalArgumentException("io.warren.voip: max.calls, max.calls.per.peer, max.calls.per.device,"
          + " answer.timeout.seconds,"
          + " ring.timeout.seconds, media.queue.packets, media.max.kbps, keepalive.seconds and keepalive.missed"
          + " must be at least 1");
    }
    try {
      this.accepted = Codecs.parse(config.codecs());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("io.warren.voip: codecs: " + e.getMessage(), e);
    }
    int[] range = PortPairs.parse("media.ports", config.media_ports());
    this.mediaBind = config.media_bind().strip();
    this.directory = directory;
    this.loops = loops;
    this.mediaPorts = new PortPairs(loops, mediaBind, range[0], range[1]);
    this.autoAnswer = config.answer_auto();
    this.ringMillis = config.ring_timeout_seconds() * 1000L;
    this.queuePackets = config.media_queue_packets();
    this.maxKbps = config.media_max_kbps();
    this.requests = new Requests(directory, config.answer_timeout_seconds() * 1000L);
    this.relay = relaySettings.enabled() ? new MediaRelay(loops, relaySettings) : null;
    this.parties = new CallTable(config.max_calls(), config.max_calls_per_peer());
    this.timeoutMillis = config.answer_timeout_seconds() * 1000L;
    this.workers = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
        Threads.named("voip-signalling"));
    this.devices = DeviceCalls.forNode(config, loops, mediaPorts, accepted, parties, new DeviceCalls.Bridge() {
      @Override
      public Party place(String peer, List<String> codecs, PeerRef device, Party.Watcher watcher) {
        Party p = VoipService.this.place(peer, null, codecs, null, watcher, null);
        p.device = device;
        return p;
      }

      @Override
      public void answer(String party, String codec) {
        Party p = parties.get(party);
        if (p == null) {
          throw new IllegalArgumentException("the node's call " + party + " has ended");
        }
        answerParty(p, codec, null);
      }

      @Override
      public void end(String party, String why, String detail) {
        Party p = parties.get(party);
        if (p == null) {
          return;
        }
        if (why.equals("refused") && !p.caller() && p.state.equals(Party.RINGING)) {
          refuseParty(p, detail);
        } else {
          hangup(p.id);
        }
      }
    });
    this.keepalive = new Keepalive(requests, loops.group(), config.keepalive_seconds() * 1000L,
        config.keepalive_missed(), (p, why) -> execute(() -> ended(p, why)));
    if (relay != null) {
      LOG.info("voip relay: ports {}-{} on {}, announced as {}", relaySettings.firstPort(),
          relaySettings.firstPort() + 2 * relaySettings.pairs() - 1, relaySettings.bind(), relaySettings.address());
    }
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setMembers(NetworkMembers m) {
    members = m;
  }

  void unsetMembers(NetworkMembers m) {
    if (members == m) {
      members = null;
    }
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setSelf(NodeIdentity i) {
    self = i;
  }

  void unsetSelf(NodeIdentity i) {
    if (self == i) {
      self = null;
    }
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setLocalRelay(LocalRelay r) {
    devices.attach(r);
  }

  void unsetLocalRelay(LocalRelay r) {
    devices.detach(r);
  }

  @Deactivate
  void deactivate() {
    devices.close();
    workers.shutdownNow();
    for (Party p : parties.all()) {
      ended(p, "cancelled");
    }
    if (relay != null) {
      relay.close();
    }
  }

  @Override
  public List<Metric> samples() {
    return VoipMetrics.samples(parties.size() + devices.size(), overlayCalls.sum(), devices, relay);
  }

  // ---- the console's side

  @Override
  public Call call(String peerText, String relayText, List<String> codecs, String endpoint, String viaText) {
    List<String> offered;
    try {
      offered = Codecs.parse(codecs == null || codecs.isEmpty() ? "pcmu" : String.join(",", codecs));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("voip: --codecs: " + e.getMessage(), e);
    }
    if (viaText != null && !viaText.isBlank()) {
      if (relayText != null && !relayText.isBlank()) {
        throw new IllegalArgumentException("voip: --relay is not for a device at another node (--via): its media"
            + " goes over the overlay");
      }
      return view(place(viaText, null, offered, endpoint, null, deviceWord(peerText)));
    }
    PeerRef peer = directory.resolve(peerText);
    if (peer.transport().equals(PeerRef.NOSTR)) {
      if ((relayText != null && !relayText.isBlank()) || (endpoint != null && !endpoint.isBlank())) {
        throw new IllegalArgumentException("voip: --relay and --endpoint are not for a device (its call's ports at"
            + " this node latch)");
      }
      return devices.call(peer, offered);
    }
    return view(place(peerText, relayText, offered, endpoint, null, null));
  }

  /**
   * How {@code text} names a device to the node that rings it: {@code nostr:<hex>} when this node
   * reads it as a key (an npub, a hex key, a device it knows by name); else as given, for that node to
   * resolve.
   */
  private String deviceWord(String text) {
    PeerRef known;
    try {
      known = directory.resolve(text);
    } catch (IllegalArgumentException unknownHere) {
      return text.strip();
    }
    if (!known.transport().equals(PeerRef.NOSTR)) {
      throw new IllegalArgumentException("voip: " + text + " is a node, not a device (--via calls a device"
          + " connected to that node's relay)");
    }
    return known.toString();
  }

  /**
   * Places a call to a node of the network; returns once it rings there. With {@code device} the
   * node rings that device of its relay instead of its console (media over the overlay only).
   */
  private Party place(String peerText, String relayText, List<String> offered, String endpoint,
      Party.Watcher watcher, String device) {
    PeerRef peer = directory.resolve(peerText);
    if (isSelf(peer)) {
      throw new IllegalArgumentException("voip: " + peerText + " is this node");
    }
    boolean viaRelay = relayText != null && !relayText.isBlank();
    PeerRef via = viaRelay ? directory.resolve(relayText) : null;
    if (via != null && isSelf(via)) {
      via = null; // this node's own relay
    }
    InetSocketAddress fixed = endpoint == null || endpoint.isBlank() ? null : address(Wire.endpoint(endpoint));
    if (viaRelay && fixed != null) {
      throw new IllegalArgumentException("voip: --endpoint is for media over the overlay; a relay latches");
    }
    String full = parties.full(peer);
    if (full != null) {
      throw new IllegalArgumentException("voip: " + full);
    }
    String id = HexFormat.of().formatHex(randomId());
    Party p;
    String offer;
    if (viaRelay) {
      String[] legs = allocate(id, via, peer, relayText);
      p = new Party(id, "caller", peer, offered, via, false, legs[0]);
      offer = Wire.offer(id, offered, legs[1], via);
    } else {
      p = new Party(id, "caller", peer, offered, null, true, "-");
      offer = device == null ? Wire.offerOverlay(id, offered) : Wire.offerDevice(id, offered, device);
      bindOverlay(p, fixed);
    }
    p.watcher = watcher;
    String refused = parties.add(p);
    if (refused != null) { // another call took the last place meanwhile
      if (p.om != null) {
        p.om.close();
      } else {
        release(id, via);
      }
      throw new IllegalArgumentException("voip: " + refused);
    }
    String answer;
    try {
      answer = requests.send(peer, offer);
    } catch (RuntimeException e) {
      ended(p, "refused");
      throw e;
    }
    try {
      if (device == null) {
        Wire.ok(answer, 1, peerText);
      } else {
        p.device = Wire.ringingDevice(answer, peerText);
      }
    } catch (IllegalArgumentException e) {
      ended(p, "refused");
      if (!answer.startsWith("ERR ")) {
        tell(p, Wire.hangup(p.id)); // an older node rings its console for a device's call: stop that
      }
      throw e;
    }
    ring(p);
    LOG.info("voip: call {} to {} ringing, media {} {}", id, peer, p.media,
        viaRelay ? "through " + (via == null ? "this node's relay" : via) : "over the overlay");
    return p;
  }

  private boolean isSelf(PeerRef peer) {
    NodeIdentity i = self;
    return i != null && peer.transport().equals(PeerRef.LIBP2P) && peer.id().equals(i.peerId());
  }

  private static InetSocketAddress address(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    try {
      return new InetSocketAddress(InetAddress.getByName(endpoint.substring(0, colon)),
          Integer.parseInt(endpoint.substring(colon + 1)));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("voip: not an address: " + endpoint, e);
    }
  }

  /** The relay legs for a call (this side's first), allocated here or at {@code via}. */
  private String[] allocate(String id, PeerRef via, PeerRef peer, String relayText) {
    if (via == null) {
      if (relay == null) {
        throw new IllegalArgumentException("voip: this node relays no media (io.warren.voip relay.enabled)");
      }
      MediaRelay.Allocation a = allocateHere(id, null, peer);
      return new String[] {a.legA(), a.legB()};
    }
    String[] w = Wire.ok(requests.send(via, Wire.allocate(id, peer)), 2, "relay " + relayText);
    return new String[] {Wire.endpoint(w[1]), Wire.endpoint(w[2])};
  }

  /** Binds the call's own UDP port pair for its media over the overlay. */
  private void bindOverlay(Party p, InetSocketAddress endpoint) {
    OverlayMedia[] holder = new OverlayMedia[1];
    Channel[] udp;
    try {
      udp = mediaPorts.bind(loops.group().next(), () -> OverlayMedia.endpointHandler(MediaFrames.RTP, holder),
          () -> OverlayMedia.endpointHandler(MediaFrames.RTCP, holder), "voip");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("voip: interrupted while binding the call's ports", e);
    }
    holder[0] = new OverlayMedia(p.id, p.peer, udp, endpoint, queuePackets, maxKbps, System::nanoTime);
    p.om = holder[0];
    p.media = mediaBind + ":" + holder[0].port();
  }

  /** Gives the call up when it still rings after the ring timeout (the caller tells the callee). */
  private void ring(Party p) {
    p.timer = loops.group().schedule(() -> execute(() -> {
      if (p.state.equals(Party.RINGING) && parties.get(p.id) == p) {
        LOG.info("voip: call {} with {} not answered within {} s", p.id, p.peer, ringMillis / 1000);
        ended(p, "timeout");
        if (p.caller()) {
          tell(p, Wire.hangup(p.id));
        }
      }
    }), ringMillis, TimeUnit.MILLISECONDS);
  }

  private static byte[] randomId() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  private MediaRelay.Allocation allocateHere(String id, PeerRef owner, PeerRef callee) {
    try {
      return relay.allocate(id, owner, callee);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("voip: interrupted while binding the relay's ports", e);
    }
  }

  @Override
  public Call answer(String idText, String codecText, String endpoint) {
    DeviceCalls.DeviceCall d = devices.find(idText);
    if (d != null) {
      if (endpoint != null && !endpoint.isBlank()) {
        throw new IllegalArgumentException("voip: --endpoint is not for a device's call (its ports latch)");
      }
      return devices.answer(d, codecText);
    }
    Party p = one(idText);
    if (p.device != null && !p.caller()) {
      throw new IllegalArgumentException("voip: call " + p.id + " rings device " + p.device + ", which answers it");
    }
    return answerParty(p, codecText, endpoint);
  }

  private Call answerParty(Party p, String codecText, String endpoint) {
    if (p.caller() || !p.state.equals(Party.RINGING)) {
      throw new IllegalArgumentException("voip: call " + p.id + " is not ringing here (it is " + p.state + ")");
    }
    String codec = codecText == null || codecText.isBlank() ? Codecs.choose(p.codecs, accepted)
        : Codecs.choose(Codecs.parse(codecText), p.codecs);
    InetSocketAddress fixed = endpoint == null || endpoint.isBlank() ? null : address(Wire.endpoint(endpoint));
    synchronized (p) {
      if (!p.state.equals(Party.RINGING) || !p.codec.equals("-")) {
        throw new IllegalArgumentException("voip: call " + p.id + " is being answered already");
      }
      if (p.overlay) {
        bindOverlay(p, fixed); // throws when no port pair is free: the call still rings
        p.om.codec(codec);
      }
      p.codec = codec;
    }
    try {
      Wire.ok(requests.send(p.peer, Wire.answer(p.id, codec)), 1, p.peer.toString());
    } catch (RuntimeException e) {
      ended(p, "cancelled");
      throw e;
    }
    activate(p);
    LOG.info("voip: call {} from {} answered with {}, media {}", p.id, p.peer, codec, p.media);
    Party.Watcher w = p.watcher;
    if (w != null) {
      w.active(p); // the device it rings answered: it sends to this call's port pair
    }
    return view(p);
  }

  private void activate(Party p) {
    p.state = Party.ACTIVE;
    if (p.timer != null) {
      p.timer.cancel(false);
    }
    if (p.overlay) {
      overlayCalls.increment();
    }
    keepalive.start(p);
  }

  @Override
  public Call refuse(String idText, String reason) {
    DeviceCalls.DeviceCall d = devices.find(idText);
    if (d != null) {
      return devices.refuse(d, reason);
    }
    return refuseParty(one(idText), reason);
  }

  private Call refuseParty(Party p, String reason) {
    if (p.caller() || !p.state.equals(Party.RINGING)) {
      throw new IllegalArgumentException("voip: call " + p.id + " is not ringing here (it is " + p.state + ")");
    }
    String why = reason == null || reason.isBlank() ? "declined" : reason.strip();
    Call last = ended(p, "refused");
    tell(p, Wire.refuse(p.id, why));
    return last;
  }

  /** Sends a request whose answer does not matter (a hangup, a refusal); a failure is logged. */
  private void tell(Party p, String line) {
    try {
      requests.send(p.peer, line);
    } catch (RuntimeException e) {
      LOG.info("voip: call {}: {} was not told ({}): {}", p.id, p.peer, line.split(" ")[0], e.getMessage());
    }
  }

  private void execute(Runnable r) {
    try {
      workers.execute(r);
    } catch (RejectedExecutionException e) {
      LOG.info("voip: signalling busy, dropped a notice: {}", e.getMessage());
    }
  }

  private Party one(String idText) {
    return parties.one(idText);
  }

  @Override
  public List<Call> calls() {
    List<Call> all = new ArrayList<>();
    for (Party p : parties.all()) {
      all.add(view(p));
    }
    all.addAll(devices.views());
    all.addAll(parties.recent());
    if (relay != null) {
      for (RelaySession s : relay.sessions()) {
        if (s.owner == null) {
          continue; // this node's own call, listed above
        }
        Optional<RelayStats[]> st = relay.stats(s.id);
        all.add(new Call(s.id, "relay", s.owner, st.isPresent() ? "active" : "closed", "-", "relay",
            relay.endpoints(s), Optional.empty(), Optional.empty(), st.map(x -> x[0]), st.map(x -> x[1])));
      }
    }
    return all;
  }

  private Call view(Party p) {
    OverlayMedia om = p.om;
    if (p.overlay) {
      return new Call(p.id, p.role, p.peer, p.state, p.codec, om == null ? "-" : om.path(), p.media,
          Optional.ofNullable(om).map(OverlayMedia::sent), Optional.ofNullable(om).map(OverlayMedia::received),
          Optional.empty(), Optional.empty()).withDevice(p.device);
    }
    Optional<RelayStats[]> st = Optional.empty();
    String state = p.state;
    if (state.equals(Party.ACTIVE)) {
      if (p.relay == null && p.caller()) {
        st = relay == null ? Optional.empty() : relay.stats(p.id);
        state = st.isEmpty() ? "relay-closed" : state;
      } else {
        try {
          PeerRef at = p.relay == null ? p.peer : p.relay;
          String[] w = Wire.ok(requests.send(at, Wire.stats(p.id)), 18, "relay");
          st = Optional.of(new RelayStats[] {RelayStats.parse(w, 1), RelayStats.parse(w, 10)});
        } catch (RuntimeException e) {
          state = "relay-unknown";
        }
      }
    }
    boolean caller = p.caller();
    return new Call(p.id, p.role, p.peer, state, p.codec, "relay", p.media, Optional.empty(), Optional.empty(),
        st.map(x -> x[caller ? 0 : 1]), st.map(x -> x[caller ? 1 : 0])).withDevice(p.device);
  }

  @Override
  public Call hangup(String idText) {
    DeviceCalls.DeviceCall d = devices.find(idText);
    if (d != null) {
      return devices.hangup(d);
    }
    Party p = one(idText);
    Call last = ended(p, "hungup");
    tell(p, Wire.hangup(p.id));
    return last;
  }

  /**
   * Takes {@code p} out of the table (once), closes its media, has the relay release a relayed
   * caller's session, and keeps its last view among the recent calls; may block on the relay.
   */
  private Call ended(Party p, String why) {
    Call last = view(p).withState(why);
    synchronized (p) {
      if (parties.get(p.id) != p) {
        return last;
      }
      // among the recent calls before it leaves the table: a PING from the other side always finds
      // it in one of them, and is told the call ended rather than that there is no such call
      parties.ended(last);
      parties.remove(p);
      p.state = why;
    }
    if (p.timer != null) {
      p.timer.cancel(false);
    }
    if (p.keepalive != null) {
      p.keepalive.cancel(false);
    }
    if (p.om != null) {
      p.om.close();
    }
    if (p.caller() && !p.overlay) {
      release(p.id, p.relay);
    }
    Party.Watcher w = p.watcher;
    if (w != null) {
      w.ended(p, why);
    }
    return last;
  }

  private void release(String id, PeerRef via) {
    if (via == null) {
      if (relay != null) {
        relay.close(id);
      }
      return;
    }
    try {
      requests.send(via, Wire.release(id));
    } catch (RuntimeException e) {
      LOG.info("voip: call {}: relay {} did not release (its idle timeout will): {}", id, via, e.getMessage());
    }
  }

  @Override
  public Optional<OverlayMedia> answered(String id, PeerRef from) {
    Party p = parties.get(id);
    if (p == null || p.caller() || !p.peer.equals(from)) {
      return Optional.empty();
    }
    return Optional.ofNullable(p.om);
  }

  // ---- the network's side

  @Override
  public void handle(Stream stream) {
    Wire.serve(stream, workers, this::serve, timeoutMillis);
  }

  /** The answer to one request from {@code from}; never throws. */
  String serve(PeerRef from, String line) {
    NetworkMembers m = members;
    if (m == null || !m.isMember(from)) {
      return Wire.error("not a member of this node's network");
    }
    try {
      Wire.Request r = Wire.parse(line);
      return switch (r.verb()) {
        case Wire.ALLOCATE -> {
          if (relay == null) {
            yield Wire.error("this node relays no media");
          }
          MediaRelay.Allocation a = allocateHere(r.id(), from, PeerRef.parse(r.arg(0)));
          yield Wire.ok(a.legA() + " " + a.legB());
        }
        case Wire.OFFER -> offered(from, r);
        case Wire.ANSWER -> answered(from, r);
        case Wire.STATS -> {
          Optional<RelaySession> s = relay == null ? Optional.empty() : relay.session(r.id());
          Optional<RelayStats[]> st = s.filter(x -> from.equals(x.owner) || from.equals(x.callee))
              .flatMap(x -> relay.stats(r.id()));
          yield st.map(x -> Wire.ok(x[0].text() + " " + x[1].text())).orElse(Wire.error(Wire.NO_SUCH_CALL));
        }
        case Wire.RELEASE -> {
          boolean owned = relay != null && relay.session(r.id()).filter(x -> from.equals(x.owner)).isPresent();
          yield owned && relay.close(r.id()) ? Wire.ok("released") : Wire.error(Wire.NO_SUCH_CALL);
        }
        case Wire.REFUSE -> {
          Party p = parties.get(r.id());
          if (p == null || !p.peer.equals(from) || !p.caller() || !p.state.equals(Party.RINGING)) {
            yield Wire.error("no such ringing call");
          }
          LOG.info("voip: call {} refused by {}: {}", r.id(), from, String.join(" ", r.args()));
          ended(p, "refused");
          yield Wire.ok("refused");
        }
        case Wire.PING -> {
          Party p = parties.get(r.id());
          if (p != null && p.peer.equals(from)) {
            yield Wire.ok("pong");
          }
          // ended here moments ago (this side hung up and its HANGUP is on the way): saying "no such
          // call" would have the other side end it as lost, not as what it was
          yield parties.recent(r.id(), from).map(c -> Wire.error(Wire.ENDED + " " + c.state()))
              .orElse(Wire.error(Wire.NO_SUCH_CALL));
        }
        case Wire.HANGUP -> {
          Party p = parties.get(r.id());
          if (p == null || !p.peer.equals(from)) {
            yield Wire.error(Wire.NO_SUCH_CALL);
          }
          LOG.info("voip: call {} hung up by {}", r.id(), from);
          ended(p, "hungup");
          yield Wire.ok("bye");
        }
        default -> Wire.error("unknown request " + r.verb());
      };
    } catch (IllegalArgumentException e) {
      return Wire.error(e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("voip: request from {} failed: {}", from, e.toString(), e);
      return Wire.error("failed: " + e);
    }
  }

  private String offered(PeerRef from, Wire.Request r) {
    String full = parties.full(from);
    if (full != null) {
      return Wire.error(full);
    }
    List<String> offered = Codecs.parse(r.arg(0));
    String device = Wire.device(r);
    if (device != null) {
      return offeredToDevice(from, r.id(), offered, device);
    }
    String codec = Codecs.choose(offered, accepted); // none in common: refused with both lists
    Party p;
    if (r.arg(1).equals(Wire.OVERLAY)) {
      p = new Party(r.id(), "callee", from, offered, null, true, "-");
    } else {
      String media = Wire.endpoint(r.arg(1));
      PeerRef via = r.arg(2).equals(Wire.CALLER) ? from : PeerRef.parse(r.arg(2));
      p = new Party(r.id(), "callee", from, offered, via, false, media);
    }
    String refused = parties.add(p);
    if (refused != null) {
      return Wire.error(refused);
    }
    ring(p);
    LOG.info("voip: call {} from {} ringing ({}, media {})", r.id(), from, String.join(",", offered),
        p.overlay ? "over the overlay" : p.media);
    if (autoAnswer) {
      execute(() -> {
        try {
          answer(p.id, codec, null);
        } catch (RuntimeException e) {
          LOG.info("voip: call {}: auto-answer failed: {}", p.id, e.getMessage());
        }
      });
    }
    return Wire.ok("ringing");
  }

  /**
   * A node of the network calls a device of this node's relay: the device rings (its own codec choice)
   * and, once it accepts, sends to this call's port pair, so the media goes over the overlay.
   */
  private String offeredToDevice(PeerRef from, String id, List<String> offered, String deviceText) {
    PeerRef device;
    try {
      device = directory.resolve(deviceText);
    } catch (IllegalArgumentException e) {
      return Wire.error("unknown device " + deviceText + ": " + e.getMessage());
    }
    Party p = new Party(id, "callee", from, offered, null, true, "-");
    devices.ringFor(p, device, parties::add); // throws with why it does not ring
    ring(p);
    return Wire.ringing(device);
  }

  /** The callee answered: the call is up, and the caller's node opens the media stream. */
  private String answered(PeerRef from, Wire.Request r) {
    Party p = parties.get(r.id());
    if (p == null || !p.peer.equals(from) || !p.caller()) {
      return Wire.error(Wire.NO_SUCH_CALL);
    }
    String codec = r.arg(0);
    synchronized (p) {
      if (!p.state.equals(Party.RINGING)) {
        return Wire.error("call " + p.id + " is " + p.state);
      }
      if (!p.codecs.contains(codec)) {
        return Wire.error("codec " + codec + " was not offered (" + String.join(",", p.codecs) + ")");
      }
      p.codec = codec;
      activate(p);
    }
    if (p.om != null) {
      p.om.codec(codec);
      p.om.maintain(directory);
    }
    Party.Watcher w = p.watcher;
    if (w != null) {
      w.active(p);
    }
    LOG.info("voip: call {} to {} answered with {}", p.id, from, codec);
    return Wire.ok("active");
  }
}
