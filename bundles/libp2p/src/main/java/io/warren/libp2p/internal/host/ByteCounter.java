package io.warren.libp2p.internal.host;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes a channel reads and writes. First in a connection's pipeline it counts them as they
 * cross it (encrypted, framed), so a relayed connection counts what passes through its relay's stream
 * and a direct one what crosses TCP: the per-peer traffic of {@code /metrics} and the dashboard sums
 * these. Shared by every stream of one protocol, it counts that service's payload ({@link StreamBytes}).
 */
@ChannelHandler.Sharable
final class ByteCounter extends ChannelDuplexHandler {
  static final String NAME = "bytes";
  private final LongAdder in = new LongAdder();
  private final LongAdder out = new LongAdder();

  long in() {
    return in.sum();
  }

  long out() {
    return out.sum();
  }

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
