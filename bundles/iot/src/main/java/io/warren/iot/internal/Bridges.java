package io.warren.iot.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.warren.api.NetworkMembers;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridged topics: a message published by a local client on a topic matching a bridged filter goes
 * to every other member of that filter's network, one {@link BridgeLink} per member; a message
 * arriving from a member is delivered to local subscribers when this node bridges a matching filter
 * for the same network, and never forwarded again (so cycles cannot loop). QoS 1 frames stay in
 * their link until the member acknowledges them and are resent when the link comes back; a
 * bounded cache of (origin, seq) seen drops the copies a resend may bring.
 */
final class Bridges {
  private static final Logger LOG = LoggerFactory.getLogger(Bridges.class);
  /** Message ids remembered per origin to drop resent copies. */
  static final int SEEN_PER_ORIGIN = 16_384;

  private final Broker broker;
  private final PeerDirectory directory;
  private final Supplier<NetworkMembers> members;
  private final Settings settings;
  /** filter -> network. */
  final Map<String, String> filters = new ConcurrentHashMap<>();
  final Map<PeerRef, BridgeLink> links = new ConcurrentHashMap<>();
  private final Map<PeerRef, Map<Long, Boolean>> seen = new ConcurrentHashMap<>();
  /** Ids grow across restarts too: they start at the clock in microseconds. */
  private final AtomicLong seq = new AtomicLong(System.currentTimeMillis() * 1000);
  final AtomicLong sent = new AtomicLong();
  final AtomicLong received = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong notBridgedHere = new AtomicLong();

  Bridges(Broker broker, PeerDirectory directory, Supplier<NetworkMembers> members, Settings settings) {
    this.broker = broker;
    this.directory = directory;
    this.members = members;
    this.settings = settings;
    broker.persistence.loadBridged().forEach((peer, frames) -> links.put(peer,
        new BridgeLink(peer, directory, settings, broker.persistence, frames)));
  }

  /** The network this node is in, if the federation runs and it is in one. */
  String network() {
    NetworkMembers m = members.get();
    return m == null ? null : m.network().orElse(null);
  }

  /** Called for every message a local client publishes; completes once QoS 1 frames are stored. */
  CompletableFuture<Void> forward(Msg m) {
    CompletableFuture<Void> written = CompletableFuture.completedFuture(null);
    String net = network();
    if (net == null || !bridged(net, m.topic())) {
      return written;
    }
    long id = seq.incrementAndGet();
    for (BridgeLink l : links.values()) {
      written = l.send(id, m);
      sent.incrementAndGet();
    }
    return written; // writes run in order: the last one done means all are
  }

  /** Opens links to members that have none, drops links to peers that left; run every few seconds. */
  void refresh() {
    NetworkMembers m = members.get();
    String net = m == null ? null : m.network().orElse(null);
    if (net == null) {
      return; // the federation is not (yet) there: keep what is held for members until it is
    }
    boolean any = filters.containsValue(net);
    var peers = any ? m.peers() : List.<PeerRef>of();
    for (PeerRef p : peers) {
      links.computeIfAbsent(p, k -> new BridgeLink(k, directory, settings, broker.persistence, Map.of()))
          .connectIfDown();
    }
    links.keySet().removeIf(p -> {
      if (peers.contains(p)) {
        return false;
      }
      if (m.isMember(p)) {
        links.get(p).close(); // no bridge for this network now: frames stay stored for a later one
      } else {
        links.get(p).forget();
      }
      return true;
    });
  }

  void close() {
    links.values().forEach(BridgeLink::close);
    links.clear();
  }

  private boolean bridged(String net, String topic) {
    for (Map.Entry<String, String> e : filters.entrySet()) {
      if (e.getValue().equals(net) && Topics.matches(e.getKey(), topic)) {
        return true;
      }
    }
    return false;
  }

  /** An inbound bridge stream from {@code stream.peer()}: members only. */
  void accept(Stream stream) {
    NetworkMembers m = members.get();
    if (m == null || !m.isMember(stream.peer())) {
      LOG.info("iot: bridge stream from {}, not a member of this node's network; reset", stream.peer());
      stream.reset();
      return;
    }
    stream.channel().pipeline().addLast(BridgeWire.framer(settings.maxMessageBytes()),
        new Inbound(stream.peer(), BridgeWire.PROTOCOL.equals(stream.protocol())));
    stream.channel().config().setAutoRead(true);
    stream.channel().read();
  }

  private final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
    private final PeerRef origin;
    private final boolean withProps;

    Inbound(PeerRef origin, boolean withProps) {
      this.origin = origin;
      this.withProps = withProps;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      Object f = BridgeWire.read(frame, withProps, System.currentTimeMillis());
      if (!(f instanceof BridgeWire.Publish p)) {
        throw new ProtocolException("iot bridge: ACK on an inbound stream");
      }
      received.incrementAndGet();
      CompletableFuture<Void> written = CompletableFuture.completedFuture(null);
      if (firstTime(p.seq())) {
        String net = network();
        if (net != null && bridged(net, p.msg().topic())) {
          written = broker.publishFromMember(p.msg());
        } else {
          notBridgedHere.incrementAndGet();
        }
      } else {
        duplicates.incrementAndGet();
      }
      if (p.msg().qos() == 1) {
        // acknowledged once the copies for persistent sessions here are stored: the sender keeps it until then
        written.whenComplete((v, e) -> ctx.writeAndFlush(BridgeWire.ack(ctx.alloc(), p.seq())));
      }
    }

    private boolean firstTime(long id) {
      Map<Long, Boolean> s = seen.computeIfAbsent(origin, k -> new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
          return size() > SEEN_PER_ORIGIN;
        }
      });
      synchronized (s) {
        return s.put(id, Boolean.TRUE) == null;
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.info("iot: bridge stream from {} failed: {}; reset", origin, cause.toString());
      io.warren.api.channel.Splice.reset(ctx.channel());
    }
  }
}
