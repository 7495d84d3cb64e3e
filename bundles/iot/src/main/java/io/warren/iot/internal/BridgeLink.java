package io.warren.iot.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound bridge stream to one member. QoS 1 messages wait here, at most {@code bridge.queue}
 * (the oldest dropped beyond), until the member acknowledges them; QoS 0 messages go only while
 * the stream is up and writable, and are dropped otherwise.
 */
final class BridgeLink {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeLink.class);
  private final PeerRef peer;
  private final PeerDirectory directory;
  private final Settings settings;
  private final LinkedHashMap<Long, Msg> unacked = new LinkedHashMap<>();
  private Channel channel;
  private boolean connecting;
  private boolean closed;
  private boolean relayed;
  /** Whether the member speaks {@link BridgeWire#PROTOCOL} (properties passed on), not only the older 1.0.0. */
  private boolean withProps;
  long dropped;

  private final Persistence persistence;

  /** {@code restored}: the frames this member had not acknowledged when the node stopped. */
  BridgeLink(PeerRef peer, PeerDirectory directory, Settings settings, Persistence persistence,
      Map<Long, Msg> restored) {
    this.peer = peer;
    this.directory = directory;
    this.settings = settings;
    this.persistence = persistence;
    unacked.putAll(restored);
  }

  /** Sends (or holds) a frame; completes once a QoS 1 frame is in the store. */
  synchronized CompletableFuture<Void> send(long seq, Msg m) {
    CompletableFuture<Void> written = CompletableFuture.completedFuture(null);
    if (m.expired(System.currentTimeMillis())) {
      dropped++;
      return written;
    }
    if (m.qos() == 1) {
      if (unacked.size() >= settings.bridgeQueue()) {
        Iterator<Long> it = unacked.keySet().iterator();
        persistence.deleteBridged(peer, it.next());
        it.remove();
        dropped++;
      }
      unacked.put(seq, m);
      written = persistence.saveBridged(peer, seq, m);
    }
    if (channel != null && (m.qos() == 1 || channel.isWritable())) {
      channel.writeAndFlush(BridgeWire.publish(channel.alloc(), seq, m, withProps, System.currentTimeMillis()));
    } else if (m.qos() == 0) {
      dropped++;
    } else {
      connectIfDown();
    }
    return written;
  }

  synchronized void connectIfDown() {
    if (channel != null || connecting || closed) {
      return;
    }
    connecting = true;
    // the current version first; a member that refuses it (an older node) gets 1.0.0, without properties
    directory.open(peer, BridgeWire.PROTOCOL).handle((s, err) -> err == null ? CompletableFuture.completedFuture(s)
        : directory.open(peer, BridgeWire.PROTOCOL_V1).toCompletableFuture())
        .thenCompose(f -> f).whenComplete((s, err) -> up(s, err));
  }

  private synchronized void up(Stream s, Throwable err) {
    connecting = false;
    if (err != null) {
      LOG.debug("iot: bridge to {} not open: {}", peer, err.toString());
      return;
    }
    if (closed) {
      s.channel().close();
      return;
    }
    Channel ch = s.channel();
    ch.pipeline().addLast(BridgeWire.framer(0), new Acks());
    ch.config().setAutoRead(true);
    ch.read();
    channel = ch;
    relayed = s.relayed();
    withProps = BridgeWire.PROTOCOL.equals(s.protocol());
    ch.closeFuture().addListener(f -> down(ch));
    LOG.info("iot: bridge to {} up{}{}; {} message(s) to resend", peer, relayed ? " (relayed)" : "",
        withProps ? "" : " (" + s.protocol() + ": an older node, MQTT 5 properties not passed on)", unacked.size());
    long now = System.currentTimeMillis();
    for (Iterator<Map.Entry<Long, Msg>> it = unacked.entrySet().iterator(); it.hasNext();) {
      Map.Entry<Long, Msg> e = it.next();
      if (e.getValue().expired(now)) {
        persistence.deleteBridged(peer, e.getKey());
        it.remove();
        dropped++;
      } else {
        ch.write(BridgeWire.publish(ch.alloc(), e.getKey(), e.getValue(), withProps, now));
      }
    }
    ch.flush();
  }

  private synchronized void down(Channel ch) {
    if (channel == ch) {
      channel = null;
      LOG.info("iot: bridge to {} down; {} unacknowledged kept", peer, unacked.size());
    }
  }

  private synchronized void acked(long seq) {
    if (unacked.remove(seq) != null) {
      persistence.deleteBridged(peer, seq);
    }
  }

  /** This peer left the network: its frames are dropped, here and in the store. */
  synchronized void forget() {
    dropped += unacked.size();
    unacked.clear();
    persistence.deleteBridged(peer, null);
    close();
  }

  synchronized void close() {
    closed = true;
    if (channel != null) {
      channel.close();
    }
  }

  synchronized String state() {
    return (channel != null ? "up, " + (relayed ? "relayed" : "direct") + (withProps ? "" : ", 1.0.0")
        : connecting ? "connecting" : "down") + ", "
        + unacked.size() + " unacked, "
        + dropped + " dropped";
  }

  private final class Acks extends SimpleChannelInboundHandler<ByteBuf> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      if (!(BridgeWire.read(frame, withProps, System.currentTimeMillis()) instanceof Long seq)) {
        throw new ProtocolException("iot bridge: PUBLISH on an outbound stream");
      }
      acked(seq);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.info("iot: bridge to {} failed: {}; reset", peer, cause.toString());
      io.warren.api.channel.Splice.reset(ctx.channel());
    }
  }
}
