package io.warren.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.warren.api.ProtocolException;
import java.util.List;

/**
 * Decodes Yamux frames. A version other than 0, a type outside 0-3 or a data frame larger than
 * {@link #MAX_DATA_LENGTH} raises a {@link ProtocolException} (e.g. {@code "yamux: unknown frame
 * type 7 (expected 0-3)"}) and discards everything after it: the session then closes the connection.
 */
final class YamuxFrameDecoder extends ByteToMessageDecoder {

  /** No data frame may exceed the largest receive window we ever grant. */
  public static final int MAX_DATA_LENGTH = YamuxConfig.MAX_WINDOW_LIMIT;

  private boolean failed;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (!failed && in.readableBytes() >= YamuxFrame.HEADER_LENGTH) {
      int start = in.readerIndex();
      int version = in.getUnsignedByte(start);
      int type = in.getUnsignedByte(start + 1);
      int flags = in.getUnsignedShort(start + 2);
      int streamId = in.getInt(start + 4);
      long length = in.getUnsignedInt(start + 8);
      if (version != YamuxFrame.VERSION) {
        fail(ctx, in, "yamux: unsupported version " + version + " (expected 0)");
        return;
      }
      if (type > YamuxFrame.TYPE_GO_AWAY) {
        fail(ctx, in, "yamux: unknown frame type " + type + " (expected 0-3)");
        return;
      }
      if (type != YamuxFrame.TYPE_DATA) {
        in.skipBytes(YamuxFrame.HEADER_LENGTH);
        out.add(new YamuxFrame(type, flags, streamId, length, null));
        continue;
      }
      if (length > MAX_DATA_LENGTH) {
        fail(ctx, in, "yamux: data frame of " + length + " bytes on stream " + Integer.toUnsignedString(streamId)
            + " exceeds the " + MAX_DATA_LENGTH + "-byte limit");
        return;
      }
      if (in.readableBytes() < YamuxFrame.HEADER_LENGTH + length) {
        return;
      }
      in.skipBytes(YamuxFrame.HEADER_LENGTH);
      out.add(new YamuxFrame(type, flags, streamId, length, in.readRetainedSlice((int) length)));
    }
    if (failed) {
      in.skipBytes(in.readableBytes());
    }
  }

  private void fail(ChannelHandlerContext ctx, ByteBuf in, String reason) {
    failed = true;
    in.skipBytes(in.readableBytes());
    ctx.fireExceptionCaught(new ProtocolException(reason));
  }
}
