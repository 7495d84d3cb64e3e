package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The {@code /warren/voip/media/1.0.0} stream: one UDP datagram per frame, never merged or split.
 * A frame is a 2-byte big-endian length N (1 to {@value #MAX_FRAME}), then N bytes: a kind byte
 * ({@value #RTP} RTP, {@value #RTCP} RTCP, {@value #HELLO} the opener's first frame) and the
 * datagram (for HELLO: the call id, 16 ASCII hex digits). The opener is the caller's node.
 */
final class MediaFrames {
  static final String PROTOCOL = "/warren/voip/media/1.0.0";
  static final int RTP = 0;
  static final int RTCP = 1;
  static final int HELLO = 2;
  /** The frame decoder's name in a media stream's pipeline. */
  static final String DECODER = "voip-media-frames";
  /** Kind byte plus the largest datagram carried. */
  static final int MAX_FRAME = 1 + PortPairs.MAX_DATAGRAM;

  private MediaFrames() {}

  /** Splits the stream into frames (kind byte first), failing on a length of 0 or over {@value #MAX_FRAME}. */
  static LengthFieldBasedFrameDecoder decoder() {
    return new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 2, 0, 2) {
      @Override
      protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, java.nio.ByteOrder order) {
        long n = super.getUnadjustedFrameLength(buf, offset, length, order);
        if (n == 0) {
          throw new io.netty.handler.codec.CorruptedFrameException("voip media: empty frame (expected 1-"
              + MAX_FRAME + " bytes)");
        }
        return n;
      }
    };
  }

  static ByteBuf frame(ByteBufAllocator alloc, int kind, ByteBuf datagram) {
    int n = datagram.readableBytes();
    ByteBuf f = alloc.buffer(3 + n);
    f.writeShort(1 + n).writeByte(kind).writeBytes(datagram, datagram.readerIndex(), n);
    return f;
  }

  static ByteBuf hello(ByteBufAllocator alloc, String id) {
    byte[] b = id.getBytes(StandardCharsets.US_ASCII);
    ByteBuf f = alloc.buffer(3 + b.length);
    f.writeShort(1 + b.length).writeByte(HELLO).writeBytes(b);
    return f;
  }
}
