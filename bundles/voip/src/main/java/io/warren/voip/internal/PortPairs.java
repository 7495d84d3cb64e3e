package io.warren.voip.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.warren.api.channel.EventLoops;
import java.net.InetSocketAddress;
import java.util.BitSet;
import java.util.function.Supplier;

/**
 * A range of UDP ports handed out as RTP/RTCP pairs (an even port and the next one), bound on one
 * of the node's loops; a pair is free again once its RTP channel closed. The relay's legs and the
 * overlay media of calls each take their pairs from one of these.
 */
final class PortPairs {
  /** The largest datagram read: RTP for voice is well under this; a bigger one is cut and so unusable. */
  static final int MAX_DATAGRAM = 2048;

  private final EventLoops loops;
  private final String bind;
  private final int firstPort;
  private final int pairs;
  /** Pairs in use, by index; guarded by itself. */
  private final BitSet used = new BitSet();
  private int cursor;

  PortPairs(EventLoops loops, String bind, int firstPort, int pairs) {
    this.loops = loops;
    this.bind = bind;
    this.firstPort = firstPort;
    this.pairs = pairs;
  }

  /** {@code <first>-<last>}, for messages. */
  String range() {
    return firstPort + "-" + (firstPort + 2 * pairs - 1);
  }

  /**
   * Binds an even port with a handler from {@code rtp} and the next one with one from {@code rtcp}
   * on {@code loop}, trying the range once round (blocks: never call on an event loop). Each try
   * takes new handlers: one added to a channel that failed to bind cannot go into another.
   *
   * @return the RTP and the RTCP channel
   * @throws IllegalArgumentException when no pair is free
   */
  Channel[] bind(EventLoop loop, Supplier<? extends ChannelHandler> rtp, Supplier<? extends ChannelHandler> rtcp,
      String what)
      throws InterruptedException {
    for (int tries = 0; tries < pairs; tries++) {
      int pair = take();
      if (pair < 0) {
        break;
      }
      int port = firstPort + 2 * pair;
      Channel first = bind(loop, rtp.get(), port);
      if (first == null) {
        free(pair);
        continue;
      }
      Channel second = bind(loop, rtcp.get(), port + 1);
      if (second == null) {
        first.close();
        first.closeFuture().addListener(f -> free(pair));
        continue;
      }
      first.closeFuture().addListener(f -> free(pair));
      return new Channel[] {first, second};
    }
    throw new IllegalArgumentException(what + ": no free port pair in " + range());
  }

  /** The next free pair from the cursor on, marked used; -1 when all are. */
  private int take() {
    synchronized (used) {
      for (int i = 0; i < pairs; i++) {
        int pair = (cursor + i) % pairs;
        if (!used.get(pair)) {
          used.set(pair);
          cursor = (pair + 1) % pairs;
          return pair;
        }
      }
      return -1;
    }
  }

  private void free(int pair) {
    synchronized (used) {
      used.clear(pair);
    }
  }

  private Channel bind(EventLoop loop, ChannelHandler handler, int port) throws InterruptedException {
    ChannelFuture f = new Bootstrap().group(loop).channel(loops.datagramChannel())
        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
        .handler(handler).bind(new InetSocketAddress(bind, port)).await();
    return f.isSuccess() ? f.channel() : null;
  }

  /** Parses {@code <first>-<last>} (at least one pair within 1024-65535) into the first even port and the pair count. */
  static int[] parse(String key, String text) {
    String[] range = text.strip().split("-");
    int lo;
    int hi;
    try {
      lo = Integer.parseInt(range[0].strip());
      hi = Integer.parseInt(range[range.length - 1].strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("io.warren.voip: " + key + " must be <first>-<last>, got " + text, e);
    }
    int first = lo % 2 == 0 ? lo : lo + 1;
    if (range.length != 2 || lo < 1024 || hi > 65535 || hi - first < 3) {
      throw new IllegalArgumentException(
          "io.warren.voip: " + key + " must be a range of at least 4 ports within 1024-65535, got " + text);
    }
    return new int[] {first, (hi - first + 1) / 2};
  }
}
