package io.warren.libp2p.internal.noise;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.warren.api.ProtocolException;
import java.util.List;

/**
 * Splits the byte stream into Noise messages: {@code <u16 big-endian length><message>}. A connection
 * that ends inside a frame raises a {@link ProtocolException} ("truncated frame") so the loss is
 * reported rather than silently dropped. The 16-bit prefix caps frames at {@link #MAX_FRAME_LENGTH}.
 */
public final class NoiseFrameDecoder extends ByteToMessageDecoder {

  /** Largest Noise message (the spec's limit, and what a 2-byte length can say). */
  public static final int MAX_FRAME_LENGTH = 65535;
  static final int LENGTH_FIELD = 2;

  /**
   * Frames are rarely aligned with socket reads (a full frame is 65537 bytes, a read at most 64 KiB),
   * so a merging cumulator would copy nearly every byte once more. The composite one leaves the
   * bytes where the socket put them; the decryption reads a frame's pieces in place.
   */
  public NoiseFrameDecoder() {
    setCumulator(COMPOSITE_CUMULATOR);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= LENGTH_FIELD) {
      int len = in.getUnsignedShort(in.readerIndex());
      if (in.readableBytes() < LENGTH_FIELD + len) {
        return;
      }
      in.skipBytes(LENGTH_FIELD);
      out.add(in.readRetainedSlice(len));
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    decode(ctx, in, out);
    if (in.isReadable()) {
      String detail = in.readableBytes() < LENGTH_FIELD ? "inside the length prefix"
          : (in.readableBytes() - LENGTH_FIELD) + " of " + in.getUnsignedShort(in.readerIndex()) + " bytes";
      in.skipBytes(in.readableBytes());
      ctx.fireExceptionCaught(new ProtocolException("noise: connection ended inside a frame (truncated frame, "
          + detail + ")"));
    }
  }
}
