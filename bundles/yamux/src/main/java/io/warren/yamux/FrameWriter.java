package io.warren.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Writes a session's frames to its connection (from the session's handler context, so they pass
 * the handlers before it: Noise, WebSocket framing). Writes are buffered until {@link #flush()};
 * {@code ...AndFlush} methods send at once. Event loop only.
 */
final class FrameWriter {
  private final ChannelHandlerContext ctx;

  FrameWriter(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Queues a header-only frame (window update, ping, go away). */
  void header(int type, int flags, int streamId, long length) {
    ByteBuf b = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
    YamuxFrame.writeHeader(b, type, flags, streamId, length);
    ctx.write(b, ctx.voidPromise());
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
