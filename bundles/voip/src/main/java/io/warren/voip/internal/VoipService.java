package io.warren.voip.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import io.warren.api.NetworkMembers;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.channel.EventLoops;
import io.warren.voip.Call;
import io.warren.voip.RelayStats;
import io.warren.voip.VoipCalls;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls and the media relay. Signalling is {@link Wire} on {@code /warren/voip/1.0.0} streams from
 * {@link PeerDirectory#open}, one request and one answer per stream, served only to members of this
 * node's network. The caller asks the relay node (or its own relay) for a session, offers the callee
 * its leg, and keeps the call; either side's hangup tells the other and the caller releases the
 * session. The callee answers an offer at once (no ringing in this version).
 */
@Component(service = {VoipCalls.class, StreamHandler.class, MetricsSource.class}, immediate = true,
    configurationPid = "io.warren.voip",
    property = {StreamHandler.PROTOCOL + "=" + Wire.PROTOCOL, MetricsSource.NAME + "=voip"})
@Designate(ocd = VoipService.Config.class)
public final class VoipService implements VoipCalls, StreamHandler, MetricsSource {

  @ObjectClassDefinition(name = "Warren VoIP", description = "Call signalling and an RTP/RTCP media relay")
  public @interface Config {
    @AttributeDefinition(description = "Whether this node relays media for calls of its network's members")
    boolean relay_enabled() default false;

    @AttributeDefinition(description = "Local address the relay's UDP ports bind to")
    String relay_bind() default "0.0.0.0";

    @AttributeDefinition(
        description = "IP address endpoints send their RTP to, given to callers (required with relay.enabled)")
    String relay_address() default "";

    @AttributeDefinition(description = "UDP ports the relay allocates from, <first>-<last>; each leg takes an even"
        + " RTP port and the next one for RTCP, so each call four")
    String relay_ports() default "40000-40999";

    @AttributeDefinition(description = "Calls the relay carries at once; one more is refused")
    int relay_max_sessions() default 100;

    @AttributeDefinition(description = "Calls one member may have the relay carry at once; one more is refused")
    int relay_max_sessions_per_peer() default 16;

    @AttributeDefinition(description = "Seconds without a forwarded packet before the relay closes a call's ports")
    int relay_idle_timeout_seconds() default 30;

    @AttributeDefinition(description = "Packets per second each leg may send through the relay; more are dropped")
    int relay_max_packets_per_second() default 200;

    @AttributeDefinition(description = "Calls this node is a party to at once; one more is refused")
    int max_calls() default 16;

    @AttributeDefinition(description = "Seconds a request to the relay or the callee may take")
    int answer_timeout_seconds() default 10;
  }

  private static final Logger LOG = LoggerFactory.getLogger(VoipService.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A call this node is a party to; {@code relay} null: this node's own relay carries it. */
  private record Party(String id, String role, PeerRef peer, String media, PeerRef relay) {}

  private final PeerDirectory directory;
  private final Requests requests;
  private final MediaRelay relay;
  private final RelaySettings relaySettings;
  private final int maxCalls;
  private final long timeoutMillis;
  private final ThreadPoolExecutor workers;
  private final Map<String, Party> parties = new ConcurrentHashMap<>();
  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile NetworkMembers members;

  @Activate
  public VoipService(@Reference PeerDirectory directory, @Reference EventLoops loops, Config config) {
    this.relaySettings = RelaySettings.of(config);
    if (config.max_calls() < 1 || config.answer_timeout_seconds() < 1) {
      throw new IllegalArgumentException("io.warren.voip: max.calls and answer.timeout.seconds must be at least 1");
    }
    this.directory = directory;
    this.requests = new Requests(directory, config.answer_timeout_seconds() * 1000L);
    this.relay = relaySettings.enabled() ? new MediaRelay(loops, relaySettings) : null;
    this.maxCalls = config.max_calls();
    this.timeoutMillis = config.answer_timeout_seconds() * 1000L;
    this.workers = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
      Thread t = new Thread(null, r, "voip-signalling", 0, false);
      t.setDaemon(true);
      return t;
    });
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

  @Deactivate
  void deactivate() {
    workers.shutdownNow();
    if (relay != null) {
      relay.close();
    }
  }

  @Override
  public List<Metric> samples() {
    List<Metric> m = new ArrayList<>();
    m.add(Metric.gauge("warren_voip_calls", "Calls this node is a party to now.", parties.size()));
    if (relay != null) {
      RelayTotals t = relay.totals;
      m.add(Metric.gauge("warren_voip_relay_sessions", "Calls the media relay carries now.", relay.sessions().size()));
      m.add(packets("forwarded", t.forwarded));
      m.add(packets("stranger", t.droppedStranger));
      m.add(packets("rate", t.droppedRate));
      m.add(packets("unlatched", t.droppedUnlatched));
      m.add(Metric.counter("warren_voip_relay_bytes_total", "Bytes of packets the media relay forwarded.",
          t.forwardedBytes.sum()));
      m.add(Metric.counter("warren_voip_relay_idle_closed_total", "Calls the media relay closed for idleness.",
          t.idleClosed.sum()));
    }
    return m;
  }

  private static Metric packets(String result, java.util.concurrent.atomic.LongAdder n) {
    return Metric.counter("warren_voip_relay_packets_total",
        "Packets the media relay forwarded, or dropped: from a stranger, over the rate cap, before the other side latched.",
        n.sum(), "result", result);
  }

  // ---- the console's side

  @Override
  public Call call(String peerText, String relayText) {
    PeerRef peer = directory.resolve(peerText);
    PeerRef via = relayText == null || relayText.isBlank() ? null : directory.resolve(relayText);
    if (parties.size() >= maxCalls) {
      throw new IllegalArgumentException("voip: " + maxCalls + " calls already (max.calls)");
    }
    String id = HexFormat.of().formatHex(randomId());
    String[] legs;
    if (via == null) {
      if (relay == null) {
        throw new IllegalArgumentException(
            "voip: no --relay given and this node relays no media (io.warren.voip relay.enabled)");
      }
      MediaRelay.Allocation a = allocateHere(id, null, peer);
      legs = new String[] {a.legA(), a.legB()};
    } else {
      String[] w = Wire.ok(requests.send(via, Wire.allocate(id, peer)), 2, "relay " + relayText);
      legs = new String[] {Wire.endpoint(w[1]), Wire.endpoint(w[2])};
    }
    try {
      Wire.ok(requests.send(peer, Wire.offer(id, legs[1], via)), 0, peerText);
    } catch (RuntimeException e) {
      release(id, via);
      throw e;
    }
    Party p = new Party(id, "caller", peer, legs[0], via);
    parties.put(id, p);
    LOG.info("voip: call {} to {} up, media {} through {}", id, peer, legs[0], via == null ? "this node" : via);
    return view(p);
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
  public List<Call> calls() {
    List<Call> all = new ArrayList<>();
    for (Party p : parties.values()) {
      all.add(view(p));
    }
    if (relay != null) {
      for (RelaySession s : relay.sessions()) {
        if (s.owner == null) {
          continue; // this node's own call, listed above
        }
        Optional<RelayStats[]> st = relay.stats(s.id);
        all.add(new Call(s.id, "relay", s.owner, relay.endpoints(s), st.map(x -> x[0]), st.map(x -> x[1]),
            st.isPresent() ? "active" : "closed"));
      }
    }
    return all;
  }

  private Call view(Party p) {
    Optional<RelayStats[]> st;
    String state = "active";
    if (p.relay() == null) {
      st = relay == null ? Optional.empty() : relay.stats(p.id());
      if (st.isEmpty()) {
        state = "relay-closed";
      }
    } else {
      try {
        String[] w = Wire.ok(requests.send(p.relay(), Wire.stats(p.id())), 18, "relay");
        st = Optional.of(new RelayStats[] {RelayStats.parse(w, 1), RelayStats.parse(w, 10)});
      } catch (RuntimeException e) {
        st = Optional.empty();
        state = "relay-unknown";
      }
    }
    boolean caller = p.role().equals("caller");
    return new Call(p.id(), p.role(), p.peer(), p.media(), st.map(x -> x[caller ? 0 : 1]),
        st.map(x -> x[caller ? 1 : 0]), state);
  }

  @Override
  public Call hangup(String idText) {
    List<Party> match = parties.values().stream().filter(p -> p.id().startsWith(idText)).toList();
    if (match.size() != 1 || idText.isEmpty()) {
      throw new IllegalArgumentException("voip: " + (match.isEmpty() ? "no call " : "more than one call starts with ")
          + idText + " (voip:calls lists them)");
    }
    Party p = match.get(0);
    Call last = view(p);
    parties.remove(p.id());
    try {
      requests.send(p.peer(), Wire.hangup(p.id()));
    } catch (RuntimeException e) {
      LOG.info("voip: call {}: {} was not told of the hangup: {}", p.id(), p.peer(), e.getMessage());
    }
    if (p.role().equals("caller")) {
      release(p.id(), p.relay());
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

  // ---- the network's side

  @Override
  public void handle(Stream stream) {
    stream.channel().pipeline().addLast(new LineBasedFrameDecoder(Wire.MAX_LINE),
        new SimpleChannelInboundHandler<io.netty.buffer.ByteBuf>() {
          private boolean seen;

          @Override
          protected void channelRead0(ChannelHandlerContext ctx, io.netty.buffer.ByteBuf msg) {
            if (seen) {
              return; // one request per stream
            }
            seen = true;
            String line = msg.toString(StandardCharsets.UTF_8);
            try {
              workers.execute(() -> reply(stream, serve(stream.peer(), line)));
            } catch (RejectedExecutionException e) {
              reply(stream, Wire.error("busy"));
            }
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("voip: stream from {}: {}", stream.peer(), cause.toString());
            reply(stream, Wire.error("bad request: " + cause.getMessage()));
          }
        });
    // a stream that asks nothing, or whose answer takes too long, is closed: it holds nothing for long
    stream.channel().eventLoop().schedule(() -> {
      stream.channel().close();
    }, timeoutMillis, TimeUnit.MILLISECONDS);
    stream.channel().config().setAutoRead(true);
  }

  private static void reply(Stream stream, String line) {
    stream.channel().writeAndFlush(Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8))
        .addListener(ChannelFutureListener.CLOSE);
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
        case Wire.STATS -> {
          Optional<RelaySession> s = relay == null ? Optional.empty() : relay.session(r.id());
          Optional<RelayStats[]> st = s.filter(x -> from.equals(x.owner) || from.equals(x.callee))
              .flatMap(x -> relay.stats(r.id()));
          yield st.map(x -> Wire.ok(x[0].text() + " " + x[1].text())).orElse(Wire.error("no such call"));
        }
        case Wire.RELEASE -> {
          boolean owned = relay != null && relay.session(r.id()).filter(x -> from.equals(x.owner)).isPresent();
          yield owned && relay.close(r.id()) ? Wire.ok("released") : Wire.error("no such call");
        }
        case Wire.HANGUP -> {
          Party p = parties.get(r.id());
          if (p == null || !p.peer().equals(from)) {
            yield Wire.error("no such call");
          }
          parties.remove(r.id());
          LOG.info("voip: call {} hung up by {}", r.id(), from);
          if (p.role().equals("caller")) {
            workers.execute(() -> release(p.id(), p.relay()));
          }
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
    if (parties.size() >= maxCalls) {
      return Wire.error("busy (" + maxCalls + " calls)");
    }
    String media = Wire.endpoint(r.arg(0));
    PeerRef via = r.arg(1).equals(Wire.CALLER) ? from : PeerRef.parse(r.arg(1));
    Party p = new Party(r.id(), "callee", from, media, via);
    if (parties.putIfAbsent(r.id(), p) != null) {
      return Wire.error("call " + r.id() + " exists");
    }
    LOG.info("voip: call {} from {} answered, media {}", r.id(), from, media);
    return Wire.ok("accepted");
  }
}
