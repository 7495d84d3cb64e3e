package io.warren.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.warren.api.ProtocolException;
import java.util.List;

/**
 * Decodes Yamux frames. A version other than 0, a type outside 0-3, a data frame larger than
 * {@link #MAX_DATA_LENGTH} or one announcing more than its stream's receive window raises a
 * {@link ProtocolException} (e.g. {@code "yamux: unknown frame type 7 (expected 0-3)"}) as soon
 * as its 12-byte header is read, before any of its body is buffered, and discards everything after
 * it: the session then closes the connection. The body of a data frame for a stream the session
 * does not know (closed, refused) is skipped as it arrives.
 *
 * <p>A data frame's body is never gathered into one buffer: what has arrived of it is passed on at
 * once, as a slice of the buffer it came in (no copy), in a {@link YamuxFrame} of its own carrying
 * that piece's length. The first piece carries the frame's SYN and ACK flags, the last its FIN and
 * RST, so the session sees the same stream events in the same order as for a whole frame. The
 * security layer below decides the pieces: a TLS record is 16 KiB, a Yamux frame up to 64 KiB.
 *
 * <p>One frame (or piece) per {@code decode} call: {@link ByteToMessageDecoder} hands each to the
 * session before the next header is read, so a window opened or consumed by one counts for the next.
 */
final class YamuxFrameDecoder extends ByteToMessageDecoder {

  /** No data frame may exceed the largest receive window we ever grant. */
  public static final int MAX_DATA_LENGTH = YamuxConfig.MAX_WINDOW_LIMIT;

  private final ReceiveWindow window;
  private boolean failed;
  /** Body bytes of a frame for an unknown stream still to discard. */
  private long skipping;
  /** Body bytes of the data frame being passed on in pieces, still to come. */
  private long bodyLeft;
  private int bodyStream;
  /** The flags the next piece carries (SYN, ACK: the first piece's) and those of the last (FIN, RST). */
  private int bodyFirstFlags;
  private int bodyLastFlags;

  private static final int END_FLAGS = YamuxFrame.FLAG_FIN | YamuxFrame.FLAG_RST;

  YamuxFrameDecoder(ReceiveWindow window) {
    this.window = window;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (skipping > 0) {
      int n = (int) Math.min(skipping, in.readableBytes());
      in.skipBytes(n);
      skipping -= n;
      return;
    }
    if (bodyLeft > 0) {
      piece(in, out);
      return;
    }
    if (in.readableBytes() < YamuxFrame.HEADER_LENGTH) {
      return;
    }
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
      return;
    }
    String ids = Integer.toUnsignedString(streamId);
    if (length > MAX_DATA_LENGTH) {
      fail(ctx, in, "yamux: data frame of " + length + " bytes on stream " + ids + " exceeds the " + MAX_DATA_LENGTH
          + "-byte limit");
      return;
    }
    if (streamId == 0) {
      fail(ctx, in, "yamux: data frame on stream 0 (reserved for the session)");
      return;
    }
    long credit = window.credit(streamId, flags);
    if (credit == ReceiveWindow.UNKNOWN_STREAM) {
      in.skipBytes(YamuxFrame.HEADER_LENGTH);
      skipping = length;
      return;
    }
    if (length > credit) {
      fail(ctx, in, "yamux: window overflow: stream " + ids + " announced a " + length + "-byte data frame with only "
          + credit + " bytes left in its receive window");
      return;
    }
    in.skipBytes(YamuxFrame.HEADER_LENGTH);
    if (in.readableBytes() >= length) {
      out.add(new YamuxFrame(type, flags, streamId, length, in.readRetainedSlice((int) length)));
      return;
    }
    bodyLeft = length;
    bodyStream = streamId;
    bodyFirstFlags = flags & ~END_FLAGS;
    bodyLastFlags = flags & END_FLAGS;
    if (in.isReadable()) {
      piece(in, out);
    }
  }

  /** Passes on what is here of the current data frame's body. */
  private void piece(ByteBuf in, List<Object> out) {
    int n = (int) Math.min(bodyLeft, in.readableBytes());
    bodyLeft -= n;
    int flags = bodyFirstFlags | (bodyLeft == 0 ? bodyLastFlags : 0);
    bodyFirstFlags = 0;
    out.add(new YamuxFrame(YamuxFrame.TYPE_DATA, flags, bodyStream, n, in.readRetainedSlice(n)));
  }

  private void fail(ChannelHandlerContext ctx, ByteBuf in, String reason) {
    failed = true;
    in.skipBytes(in.readableBytes());
    ctx.fireExceptionCaught(new ProtocolException(reason));
  }
}
