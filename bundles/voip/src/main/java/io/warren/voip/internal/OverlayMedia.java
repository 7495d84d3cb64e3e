package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.voip.MediaStats;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call's media at one node when it goes over the overlay: a local UDP port pair (RTP, RTCP)
 * for this side's endpoint, and a {@link MediaFrames} stream to the other side's node. A datagram
 * from the endpoint goes out as one frame on the current stream; a frame from the other side goes
 * out of the port of its kind to the endpoint. The ports latch onto the first sender (or are fixed
 * to a given endpoint), and every other sender is dropped and counted. At most {@code maxQueue}
 * frames wait to be written; one more is dropped as late. A per-call token bucket caps the bytes
 * a second the endpoint may send.
 *
 * <p>The caller's node opens the streams ({@link #maintain}): one at once, and while the stream is
 * relayed one more after a {@link ProbeBackoff} delay (1 s, doubling to 30 s, back to 1 s when the
 * connections under the media change), switching to it when the transport gives a direct
 * connection (after DCUtR); the old stream is closed after a grace so frames in flight still
 * arrive. The callee's node sends on the newest stream the caller opened.
 *
 * <p>Each side sends every frame on the older stream before any on the newer one, so once a newer
 * stream has delivered a frame, one still arriving on an older stream is out of order: it is
 * dropped (and the RTP loss count counts it), so the endpoint gets the other side's packets in the
 * order they were sent.
 */
final class OverlayMedia implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OverlayMedia.class);
  static final long GRACE_MILLIS = 2000;

  final String id;
  final PeerRef peer;
  private final Channel[] udp;
  private final InetSocketAddress[] latched = new InetSocketAddress[2];
  private final boolean fixed;
  private final int maxQueue;
  private final LongSupplier nanos;
  private final Flow sent = new Flow();
  private final Flow received = new Flow();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger switches = new AtomicInteger();
  private final AtomicInteger probes = new AtomicInteger();
  private final AtomicInteger generations = new AtomicInteger();
  /** Held while a frame from the other side is checked against {@link #delivering} and handed on. */
  private final Object order = new Object();
  /** The generation of the newest stream that has delivered a frame; guarded by {@link #order}. */
  private int delivering;
  private final ProbeBackoff backoff = new ProbeBackoff();
  private final long capBytesPerSecond;
  private double tokens;
  private long refilled;
  private volatile io.netty.util.concurrent.ScheduledFuture<?> probe;
  private volatile Stream current;
  private volatile boolean opening;
  private volatile boolean closed;

  /**
   * @param udp the bound RTP and RTCP channels, whose pipelines get {@link #endpointHandler}s
   * @param endpoint this side's RTP endpoint if known in advance (RTCP: its port + 1), else null to latch
   */
  OverlayMedia(String id, PeerRef peer, Channel[] udp, InetSocketAddress endpoint, int maxQueue, int capKbps,
      LongSupplier nanos) {
    this.id = id;
    this.peer = peer;
    this.udp = udp;
    this.maxQueue = maxQueue;
    this.nanos = nanos;
    this.capBytesPerSecond = capKbps * 125L;
    this.tokens = burst();
    this.refilled = nanos.getAsLong();
    this.fixed = endpoint != null;
    if (endpoint != null) {
      latched[MediaFrames.RTP] = endpoint;
      latched[MediaFrames.RTCP] = new InetSocketAddress(endpoint.getAddress(), endpoint.getPort() + 1);
    }
  }

  /** The handler for the UDP channel of {@code kind}; {@code media} is filled in once the channels are bound. */
  static SimpleChannelInboundHandler<DatagramPacket> endpointHandler(int kind, OverlayMedia[] media) {
    return new SimpleChannelInboundHandler<>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
        OverlayMedia m = media[0];
        if (m != null) {
          m.fromEndpoint(kind, p.sender(), p.content());
        }
      }
    };
  }

  private double burst() {
    return Math.max(4096, capBytesPerSecond / 4.0);
  }

  int port() {
    return ((InetSocketAddress) udp[MediaFrames.RTP].localAddress()).getPort();
  }

  void codec(String codec) {
    sent.clockRate(Codecs.clockRate(codec));
    received.clockRate(Codecs.clockRate(codec));
  }

  /** {@code direct}, {@code relayed}, or {@code -} while no stream is open. */
  String path() {
    Stream s = current;
    return s == null || !s.channel().isActive() ? "-" : s.relayed() ? "relayed" : "direct";
  }

  int switches() {
    return switches.get();
  }

  MediaStats sent() {
    return sent.stats();
  }

  MediaStats received() {
    return received.stats();
  }

  /** A datagram from this side's endpoint (or a stranger): on the UDP channel's loop. */
  void fromEndpoint(int kind, InetSocketAddress from, ByteBuf data) {
    synchronized (latched) {
      if (latched[kind] == null && !fixed) {
        latched[kind] = from;
      } else if (!from.equals(latched[kind])) {
        sent.stranger();
        return;
      }
    }
    long now = nanos.getAsLong();
    sent.arrived(kind, data, now);
    if (kind == MediaFrames.RTCP) {
      received.reported(RtcpReports.parse(data)); // this side's endpoint tells how the other's stream reached it
      sent.senderReports(RtcpReports.senderReports(data), now); // echoed by the other side's reports: round trip
    }
    if (!withinCap(data.readableBytes(), now)) {
      sent.overCap();
      return;
    }
    Stream s = current;
    if (s == null || !s.channel().isActive()) {
      sent.unlatched();
      return;
    }
    if (queued.incrementAndGet() > maxQueue) {
      queued.decrementAndGet();
      sent.late();
      return;
    }
    s.channel().writeAndFlush(MediaFrames.frame(s.channel().alloc(), kind, data))
        .addListener(f -> queued.decrementAndGet());
  }

  private boolean withinCap(int bytes, long now) {
    synchronized (sent) {
      tokens = Math.min(burst(), tokens + (now - refilled) * capBytesPerSecond / 1e9);
      refilled = now;
      if (tokens < bytes) {
        return false;
      }
      tokens -= bytes;
      return true;
    }
  }

  /**
   * A datagram from the other side, on the loop of the stream of {@code generation} (higher is
   * newer). Under the lock, so that what is checked against the newest generation is also what is
   * queued to the endpoint, in that order.
   */
  void fromPeer(int generation, int kind, ByteBuf data) {
    synchronized (order) {
      if (generation < delivering) {
        return; // sent before what a newer stream already delivered
      }
      delivering = generation;
      deliver(kind, data);
    }
  }

  private void deliver(int kind, ByteBuf data) {
    long now = nanos.getAsLong();
    received.arrived(kind, data, now);
    if (kind == MediaFrames.RTCP) {
      sent.reported(RtcpReports.parse(data), now); // the other side's endpoint tells how this side's stream reached it
    }
    InetSocketAddress to;
    synchronized (latched) {
      to = latched[kind];
    }
    if (to == null) {
      received.unlatched();
      return;
    }
    udp[kind].writeAndFlush(new DatagramPacket(data.retainedDuplicate(), to), udp[kind].voidPromise());
  }

  /** Takes frames from {@code s} and sends this side's on it from now on (the newest stream wins). */
  void use(Stream s) {
    if (s.channel().pipeline().get(MediaFrames.DECODER) == null) {
      s.channel().pipeline().addLast(MediaFrames.DECODER, MediaFrames.decoder());
    }
    s.channel().pipeline().addLast(new Inbound(this, generations.incrementAndGet()));
    s.channel().config().setAutoRead(true);
    Stream old = current;
    current = s;
    if (closed) {
      s.channel().close();
      return;
    }
    if (old != null && old.channel().isActive()) {
      switches.incrementAndGet();
      LOG.info("voip: call {} media moved to a {} stream", id, s.relayed() ? "relayed" : "direct");
      old.channel().eventLoop().schedule(() -> old.channel().close(), GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * The caller's side: opens the first media stream now and, after each {@link ProbeBackoff} delay,
   * checks whether a better one is to be had (none open, or relayed while a direct connection may
   * exist now).
   */
  void maintain(PeerDirectory directory) {
    open(directory);
    scheduleProbe(directory);
  }

  private void scheduleProbe(PeerDirectory directory) {
    if (closed) {
      return;
    }
    long delay;
    synchronized (backoff) {
      delay = backoff.next();
    }
    probe = udp[MediaFrames.RTP].eventLoop().schedule(() -> {
      open(directory);
      scheduleProbe(directory);
    }, delay, TimeUnit.MILLISECONDS);
  }

  /** Streams opened so far to find or keep a path (the first one included). */
  int probes() {
    return probes.get();
  }

  private void changed() {
    synchronized (backoff) {
      backoff.reset();
    }
  }

  private void open(PeerDirectory directory) {
    Stream s = current;
    if (s != null && !s.channel().isActive()) {
      changed(); // the stream broke with its connection
    }
    if (closed || opening || (s != null && s.channel().isActive() && !s.relayed())) {
      return;
    }
    opening = true;
    probes.incrementAndGet();
    directory.open(peer, MediaFrames.PROTOCOL).whenComplete((n, e) -> {
      opening = false;
      if (e != null) {
        LOG.debug("voip: call {}: no media stream to {}: {}", id, peer, e.toString());
        return;
      }
      Stream old = current;
      if (old != null && n.channel().parent() != old.channel().parent()) {
        changed(); // another connection carries streams to the peer now
      }
      boolean better = old == null || !old.channel().isActive() || (old.relayed() && !n.relayed());
      if (!better || closed) {
        n.channel().close(); // a probe that found no better path, or a call that ended meanwhile
        return;
      }
      use(n); // first, so this side has the stream before the other side can answer on it
      n.channel().writeAndFlush(MediaFrames.hello(n.channel().alloc(), id));
    });
  }

  @Override
  public void close() {
    closed = true;
    var p = probe;
    if (p != null) {
      p.cancel(false);
    }
    for (Channel c : udp) {
      c.close();
    }
    Stream s = current;
    if (s != null) {
      s.channel().close();
    }
  }

  boolean isClosed() {
    return closed;
  }

  /** Frames from the other side's node into {@link #fromPeer}; a bad frame closes this stream only. */
  private static final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
    private final OverlayMedia media;
    private final int generation;

    Inbound(OverlayMedia media, int generation) {
      this.media = media;
      this.generation = generation;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      int kind = frame.readUnsignedByte();
      if (kind == MediaFrames.RTP || kind == MediaFrames.RTCP) {
        media.fromPeer(generation, kind, frame);
      } else if (kind != MediaFrames.HELLO) {
        throw new IllegalArgumentException("voip media: unknown frame kind " + kind + " (expected 0-2)");
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("voip: call {} media stream from {}: {}", media.id, media.peer, cause.toString());
      ctx.close();
    }
  }
}
