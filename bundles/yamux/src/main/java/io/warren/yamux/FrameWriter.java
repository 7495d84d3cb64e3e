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
  /** Payloads up to this size are copied behind their header (see {@link #data}). */
  static final int COPY_LIMIT = 2048;

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

  /**
   * Queues a data frame carrying {@code data} (released once written). A small payload is copied
   * behind its header into one buffer, so the security layer sees one piece (TLS makes one record
   * per piece); a large one goes as header and payload side by side, never copied.
   */
  void data(int streamId, ByteBuf data) {
    int n = data.readableBytes();
    if (n <= COPY_LIMIT) {
      ByteBuf frame = ctx.alloc().directBuffer(YamuxFrame.HEADER_LENGTH + n);
      YamuxFrame.writeHeader(frame, YamuxFrame.TYPE_DATA, 0, streamId, n);
      frame.writeBytes(data);
      data.release();
      ctx.write(frame, ctx.voidPromise());
      return;
    }
    ByteBuf header = ctx.alloc().directBuffer(YamuxFrame.HEADER_LENGTH);
    YamuxFrame.writeHeader(header, YamuxFrame.TYPE_DATA, 0, streamId, n);
    CompositeByteBuf frame = ctx.alloc().compositeDirectBuffer(2);
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
