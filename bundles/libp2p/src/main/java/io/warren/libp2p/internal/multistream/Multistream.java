package io.warren.libp2p.internal.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.warren.libp2p.internal.multiformats.Varint;
import java.nio.charset.StandardCharsets;

/** multistream-select 1.0 constants and message encoding ({@code <varint len><utf8 text>\n}, len counts the \n). */
public final class Multistream {

  public static final String PROTOCOL_ID = "/multistream/1.0.0";
  public static final String NA = "na";
  public static final String LS = "ls";
  /** Longest message we accept (protocol ids are short; js-libp2p uses the same bound). */
  public static final int MAX_MESSAGE_LENGTH = 1024;

  private Multistream() {}

  /** Encodes messages back to back into one buffer, so pipelined proposals leave in one write. */
  public static ByteBuf encode(ByteBufAllocator alloc, String... messages) {
    ByteBuf out = alloc.buffer();
    for (String m : messages) {
      byte[] b = m.getBytes(StandardCharsets.UTF_8);
      if (b.length + 1 > MAX_MESSAGE_LENGTH) {
        throw new IllegalArgumentException("multistream: message of " + (b.length + 1) + " bytes exceeds "
            + MAX_MESSAGE_LENGTH);
      }
      Varint.write(out, b.length + 1);
      out.writeBytes(b);
      out.writeByte('\n');
    }
    return out;
  }

  /** The body of an {@code ls} reply: each protocol as its own length-prefixed line. */
  static ByteBuf encodeList(ByteBufAllocator alloc, Iterable<String> protocols) {
    ByteBuf inner = alloc.buffer();
    for (String p : protocols) {
      byte[] b = p.getBytes(StandardCharsets.UTF_8);
      Varint.write(inner, b.length + 1);
      inner.writeBytes(b);
      inner.writeByte('\n');
    }
    ByteBuf out = alloc.buffer(inner.readableBytes() + 4);
    Varint.write(out, inner.readableBytes() + 1);
    out.writeBytes(inner);
    out.writeByte('\n');
    inner.release();
    return out;
  }
}
