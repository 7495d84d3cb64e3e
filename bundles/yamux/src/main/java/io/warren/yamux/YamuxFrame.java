package io.warren.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One Yamux frame: the 12-byte header ({@code version u8, type u8, flags u16, stream id u32,
 * length u32}, big-endian) and, for data frames, the {@code length} bytes that follow it.
 * For window updates {@code length} is the window delta, for pings the opaque value, for go-away
 * the error code.
 */
public final class YamuxFrame extends AbstractReferenceCounted {

  public static final String PROTOCOL_ID = "/yamux/1.0.0";
  public static final int HEADER_LENGTH = 12;
  public static final int VERSION = 0;

  public static final int TYPE_DATA = 0;
  public static final int TYPE_WINDOW_UPDATE = 1;
  public static final int TYPE_PING = 2;
  public static final int TYPE_GO_AWAY = 3;

  public static final int FLAG_SYN = 0x1;
  public static final int FLAG_ACK = 0x2;
  public static final int FLAG_FIN = 0x4;
  public static final int FLAG_RST = 0x8;

  public static final int GO_AWAY_NORMAL = 0;
  public static final int GO_AWAY_PROTOCOL_ERROR = 1;
  public static final int GO_AWAY_INTERNAL_ERROR = 2;

  private final int type;
  private final int flags;
  private final int streamId;
  private final long length;
  private final ByteBuf data; // data frames only, else null

  YamuxFrame(int type, int flags, int streamId, long length, ByteBuf data) {
    this.type = type;
    this.flags = flags;
    this.streamId = streamId;
    this.length = length;
    this.data = data;
  }

  public int type() {
    return type;
  }

  public int flags() {
    return flags;
  }

  public boolean hasFlag(int flag) {
    return (flags & flag) != 0;
  }

  /** Stream id as an unsigned 32-bit value stored in an int. */
  public int streamId() {
    return streamId;
  }

  public long length() {
    return length;
  }

  /** The payload of a data frame (owned by this frame), or null. */
  public ByteBuf data() {
    return data;
  }

  /** Writes a header into {@code out}. */
  public static void writeHeader(ByteBuf out, int type, int flags, int streamId, long length) {
    out.writeByte(VERSION);
    out.writeByte(type);
    out.writeShort(flags);
    out.writeInt(streamId);
    out.writeInt((int) length);
  }

  static String typeName(int type) {
    return switch (type) {
      case TYPE_DATA -> "data";
      case TYPE_WINDOW_UPDATE -> "window update";
      case TYPE_PING -> "ping";
      case TYPE_GO_AWAY -> "go away";
      default -> "type " + type;
    };
  }

  @Override
  protected void deallocate() {
    if (data != null) {
      data.release();
    }
  }

  @Override
  public ReferenceCounted touch(Object hint) {
    if (data != null) {
      data.touch(hint);
    }
    return this;
  }

  @Override
  public String toString() {
    return "YamuxFrame(" + typeName(type) + ", flags=0x" + Integer.toHexString(flags) + ", stream="
        + Integer.toUnsignedString(streamId) + ", length=" + length + ")";
  }
}
