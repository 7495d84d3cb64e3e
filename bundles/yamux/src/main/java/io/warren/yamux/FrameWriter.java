package io.warren.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.function.Consumer;

/**
 * Writes a session's frames to its connection (from the session's handler context, so they pass
 * the handlers before it: Noise, WebSocket framing). Writes are buffered until {@link #flush()};
 * {@code ...AndFlush} methods send at once.
 *
 * <p>Header-only frames not yet sent are counted: a peer that makes us answer (pings, stream opens,
 * data that earns window updates) but does not read would otherwise queue our answers without
 * bound. At {@code maxControlBacklog} the next one is not written and {@code overflow} is told why
 * (the session closes the connection). Event loop only.
 */
final class FrameWriter {
  private final ChannelHandlerContext ctx;
  private final int maxControlBacklog;
  private final Consumer<String> overflow;
  private int controlBacklog;
  private final ChannelFutureListener sent = f -> controlBacklog--;

  FrameWriter(ChannelHandlerContext ctx, int maxControlBacklog, Consumer<String> overflow) {
    this.ctx = ctx;
    this.maxControlBacklog = maxControlBacklog;
    this.overflow = overflow;
  }

  /** Queues a header-only frame (window update, ping); refused (see above) when the backlog is full. */
  void header(int type, int flags, int streamId, long length) {
    if (controlBacklog >= maxControlBacklog) {
      overflow.accept("yamux: " + controlBacklog + " control frames (ping answers, window updates, ACKs, resets) "
          + "wait for the peer to read; it does not");
      return;
    }
    ByteBuf b = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
    YamuxFrame.writeHeader(b, type, flags, streamId, length);
    controlBacklog++;
    ctx.write(b).addListener(sent);
  }

  /** Header-only frames written and not sent yet. */
  int controlBacklog() {
    return controlBacklog;
  }

  /** Sends a header-only frame now. */
  void headerAndFlush(int type, int flags, int streamId, long length) {
    header(type, flags, streamId, length);
    ctx.flush();
  }

  /** Queues a data frame carrying {@code data} (released once written). */
  void data(int streamId, ByteBuf data) {
    ByteBuf header = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
    YamuxFrame.writeHeader(header, YamuxFrame.TYPE_DATA, 0, streamId, data.readableBytes());
    CompositeByteBuf frame = ctx.alloc().compositeBuffer(2);
    frame.addComponents(true, header, data);
    ctx.write(frame, ctx.voidPromise());
  }

  /** Sends GO_AWAY with {@code code}; {@code promise} completes when it was written. */
  void goAway(int code, ChannelPromise promise) {
    ByteBuf b = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
    YamuxFrame.writeHeader(b, YamuxFrame.TYPE_GO_AWAY, 0, 0, code);
    ctx.writeAndFlush(b, promise);
  }

  void flush() {
    ctx.flush();
  }
}
