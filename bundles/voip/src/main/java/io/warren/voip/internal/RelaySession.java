package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.warren.api.PeerRef;
import io.warren.voip.RelayStats;
import java.net.InetSocketAddress;
import java.util.function.LongSupplier;

/**
 * One call's media at the relay: two legs, each an RTP and an RTCP UDP channel. Symmetric latching:
 * a leg's channel learns its endpoint's address from the first packet that reaches it, and from
 * then on takes packets from that address only (a stranger's are dropped and counted); a packet is
 * forwarded out of the other leg's channel of the same kind to the address that one latched, so
 * both endpoints send to and receive from the same relay port. Until the other leg has latched,
 * packets are dropped (there is nowhere to send them). Each leg may send at most
 * {@code maxPacketsPerSecond} in any one-second window, and (for a device's call at its node) at
 * most {@code capBytesPerSecond} by a token bucket of a quarter second's burst; the rest is dropped.
 *
 * <p>All four channels run on one event loop, which owns every field here; {@link #stats} is called on
 * it too.
 */
final class RelaySession {
  static final int RTP = 0;
  static final int RTCP = 1;

  /** One side of the call. */
  final class Leg {
    final String name;
    final Channel[] channels = new Channel[2];
    final InetSocketAddress[] latched = new InetSocketAddress[2];
    final RtpLoss loss = new RtpLoss();
    long packets;
    long bytes;
    long forwarded;
    long forwardedBytes;
    long droppedStranger;
    long droppedRate;
    long droppedUnlatched;
    private long windowStart;
    private int windowCount;
    /** The byte bucket, full at the first packet (the session's fields are not set yet when legs are made). */
    private double tokens = -1;
    private long refilled;

    Leg(String name) {
      this.name = name;
    }

    Leg other() {
      return this == a ? b : a;
    }

    int port() {
      return ((InetSocketAddress) channels[RTP].localAddress()).getPort();
    }

    RelayStats stats() {
      return new RelayStats(latched[RTP] == null ? "" : latched[RTP].getAddress().getHostAddress() + ":"
          + latched[RTP].getPort(), packets, bytes, forwarded, forwardedBytes, loss.lost(), droppedStranger,
          droppedRate,
          droppedUnlatched);
    }

    /** Whether one more packet of {@code bytes} fits this second's budget (and the byte cap, if any). */
    private boolean withinRate(long now, int bytes) {
      if (windowCount == 0 || now - windowStart >= 1_000_000_000L) {
        windowStart = now;
        windowCount = 0;
      }
      if (++windowCount > maxPacketsPerSecond) {
        return false;
      }
      if (capBytesPerSecond <= 0) {
        return true;
      }
      tokens = tokens < 0 ? burst() : Math.min(burst(), tokens + (now - refilled) * capBytesPerSecond / 1e9);
      refilled = now;
      if (tokens < bytes) {
        return false;
      }
      tokens -= bytes;
      return true;
    }

    SimpleChannelInboundHandler<DatagramPacket> handler(int kind) {
      return new SimpleChannelInboundHandler<>() {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
          receive(Leg.this, kind, p);
        }
      };
    }
  }

  final String id;
  final PeerRef owner;
  final PeerRef callee;
  final Leg a = new Leg("a");
  final Leg b = new Leg("b");
  private final int maxPacketsPerSecond;
  private final long capBytesPerSecond;
  private final RelayTotals totals;
  private final LongSupplier nanos;
  private long lastActivity;

  RelaySession(String id, PeerRef owner, PeerRef callee, int maxPacketsPerSecond, LongSupplier nanos,
      RelayTotals totals) {
    this(id, owner, callee, maxPacketsPerSecond, 0, nanos, totals);
  }

  /** @param capBytesPerSecond bytes a second each leg may send, or 0 for no cap beyond the packet rate */
  RelaySession(String id, PeerRef owner, PeerRef callee, int maxPacketsPerSecond, long capBytesPerSecond,
      LongSupplier nanos, RelayTotals totals) {
    this.capBytesPerSecond = capBytesPerSecond;
    this.totals = totals;
    this.id = id;
    this.owner = owner;
    this.callee = callee;
    this.maxPacketsPerSecond = maxPacketsPerSecond;
    this.nanos = nanos;
    this.lastActivity = nanos.getAsLong();
  }

  private double burst() {
    return Math.max(4096, capBytesPerSecond / 4.0);
  }

  /** Whether no packet was forwarded for {@code idleNanos}. */
  boolean idle(long idleNanos) {
    return nanos.getAsLong() - lastActivity >= idleNanos;
  }

  void receive(Leg leg, int kind, DatagramPacket p) {
    InetSocketAddress from = p.sender();
    if (leg.latched[kind] == null) {
      leg.latched[kind] = from;
    } else if (!leg.latched[kind].equals(from)) {
      leg.droppedStranger++;
      totals.droppedStranger.increment();
      return;
    }
    long now = nanos.getAsLong();
    ByteBuf data = p.content();
    leg.packets++;
    leg.bytes += data.readableBytes();
    if (kind == RTP && RtpLoss.isRtp(data.getByte(data.readerIndex()), data.readableBytes())) {
      leg.loss.add(data.getUnsignedShort(data.readerIndex() + 2));
    }
    if (!leg.withinRate(now, data.readableBytes())) {
      leg.droppedRate++;
      totals.droppedRate.increment();
      return;
    }
    Leg to = leg.other();
    InetSocketAddress target = to.latched[kind];
    Channel out = to.channels[kind];
    if (target == null || out == null) {
      leg.droppedUnlatched++;
      totals.droppedUnlatched.increment();
      return;
    }
    leg.forwarded++;
    leg.forwardedBytes += data.readableBytes();
    totals.forwarded.increment();
    totals.forwardedBytes.add(data.readableBytes());
    lastActivity = now;
    out.writeAndFlush(new DatagramPacket(data.retain(), target), out.voidPromise());
  }

  void close() {
    for (Leg l : new Leg[] {a, b}) {
      for (Channel c : l.channels) {
        if (c != null) {
          c.close();
        }
      }
    }
  }
}
