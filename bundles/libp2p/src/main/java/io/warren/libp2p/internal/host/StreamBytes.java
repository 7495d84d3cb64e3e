package io.warren.libp2p.internal.host;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Payload bytes of negotiated streams by protocol (the per-service traffic of {@code /metrics}): a
 * stream gets its protocol's {@link Counter} first in its pipeline once multistream-select chose the
 * protocol, so the negotiation is not counted and no frame pays for a lookup. Protocols are the ones
 * this node answered (registered handlers) or proposed (dialled); past {@link #MAX_PROTOCOLS} of them,
 * new ones count as {@value #OTHER}, which bounds the label set a peer or a caller can make.
 */
public final class StreamBytes {
  /** Distinct protocols counted apart; later ones fold into {@value #OTHER}. */
  public static final int MAX_PROTOCOLS = 64;
  public static final String OTHER = "other";
  static final String NAME = "stream-bytes";

  private final ConcurrentMap<String, Counter> byProtocol = new ConcurrentHashMap<>();

  /** The counter of {@code protocol} (or of {@value #OTHER} once {@link #MAX_PROTOCOLS} are counted). */
  Counter counter(String protocol) {
    Counter c = byProtocol.get(protocol);
    if (c != null) {
      return c;
    }
    String key = byProtocol.size() >= MAX_PROTOCOLS ? OTHER : protocol;
    return byProtocol.computeIfAbsent(key, k -> new Counter());
  }

  /**
   * Bytes in and out by protocol since start, sorted, with a zero row for each of {@code registered}
   * not seen yet (so a series exists before its first stream).
   */
  public Map<String, long[]> snapshot(Collection<String> registered) {
    registered.forEach(this::counter);
    Map<String, long[]> out = new TreeMap<>();
    byProtocol.forEach((p, c) -> out.put(p, new long[] {c.in.sum(), c.out.sum()}));
    return out;
  }

  /** Counts what a stream reads and writes; one shared instance per protocol. */
  @ChannelHandler.Sharable
  static final class Counter extends ChannelDuplexHandler {
    private final LongAdder in = new LongAdder();
    private final LongAdder out = new LongAdder();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      in.add(size(msg));
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      out.add(size(msg));
      ctx.write(msg, promise);
    }

    private static long size(Object msg) {
      return msg instanceof ByteBuf b ? b.readableBytes()
          : msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
    }
  }
}
