package io.warren.libp2p.internal.multiformats;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;

/**
 * Unsigned varint as specified by multiformats/unsigned-varint: little-endian groups of 7 bits,
 * high bit set on every byte but the last, minimally encoded, at most 9 bytes (63 bits).
 */
public final class Varint {

  /** The multiformats spec caps varints at 9 bytes, i.e. values below 2^63. */
  public static final int MAX_BYTES = 9;

  /** Returned by {@link #read(ByteBuf)} when the buffer does not yet hold a whole varint. */
  public static final long INCOMPLETE = -1;

  private Varint() {}

  public static int size(long value) {
    requireUnsigned(value);
    int n = 1;
    while ((value >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  public static byte[] encode(long value) {
    byte[] out = new byte[size(value)];
    int i = 0;
    while ((value & ~0x7FL) != 0) {
      out[i++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[i] = (byte) value;
    return out;
  }

  public static void write(ByteBuf out, long value) {
    requireUnsigned(value);
    while ((value & ~0x7FL) != 0) {
      out.writeByte((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.writeByte((int) value);
  }

  public static void write(ByteArrayOutputStream out, long value) {
    out.writeBytes(encode(value));
  }

  /**
   * Reads a varint from the buffer. If the buffer ends before the varint does, the reader index is
   * left unchanged and {@link #INCOMPLETE} is returned, so stream decoders can wait for more bytes.
   *
   * @throws IllegalArgumentException if the varint is longer than 9 bytes or not minimally encoded
   */
  public static long read(ByteBuf in) {
    int start = in.readerIndex();
    long value = 0;
    for (int i = 0; i < MAX_BYTES; i++) {
      if (!in.isReadable()) {
        in.readerIndex(start);
        return INCOMPLETE;
      }
      int b = in.readUnsignedByte();
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          throw new IllegalArgumentException("varint: not minimally encoded");
        }
        return value;
      }
    }
    throw new IllegalArgumentException("varint: longer than " + MAX_BYTES + " bytes");
  }

  /** Reads a varint that must be complete in {@code in}. */
  public static long readFully(ByteBuf in) {
    long v = read(in);
    if (v == INCOMPLETE) {
      throw new IllegalArgumentException("varint: truncated");
    }
    return v;
  }

  /** Decodes a varint at {@code offset} of {@code data}; returns {value, length}. */
  public static long[] decode(byte[] data, int offset) {
    long value = 0;
    for (int i = 0; i < MAX_BYTES; i++) {
      if (offset + i >= data.length) {
        throw new IllegalArgumentException("varint: truncated");
      }
      int b = data[offset + i] & 0xFF;
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          throw new IllegalArgumentException("varint: not minimally encoded");
        }
        return new long[] {value, i + 1};
      }
    }
    throw new IllegalArgumentException("varint: longer than " + MAX_BYTES + " bytes");
  }

  private static void requireUnsigned(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("varint: negative value " + value);
    }
  }
}
