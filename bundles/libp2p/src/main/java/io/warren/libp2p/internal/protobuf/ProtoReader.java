package io.warren.libp2p.internal.protobuf;

import io.warren.libp2p.internal.multiformats.Varint;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the protobuf wire format field by field. Usage:
 * <pre>
 * ProtoReader r = new ProtoReader(bytes);
 * while (r.next()) {
 *     switch (r.field()) {
 *         case 1 -> type = r.readVarint();
 *         case 2 -> data = r.readBytes();
 *         default -> r.skip();
 *     }
 * }
 * </pre>
 * Malformed input throws {@link IllegalArgumentException} with the field and reason.
 */
public final class ProtoReader {

  public static final int WIRE_VARINT = 0;
  public static final int WIRE_I64 = 1;
  public static final int WIRE_LEN = 2;
  public static final int WIRE_I32 = 5;

  private final byte[] data;
  private int pos;
  private int field;
  private int wireType;

  public ProtoReader(byte[] data) {
    this.data = data;
  }

  /** Advances to the next field; false at the end of the message. */
  public boolean next() {
    if (pos >= data.length) {
      return false;
    }
    long tag = varint();
    field = (int) (tag >>> 3);
    wireType = (int) (tag & 7);
    if (field == 0 || tag >>> 3 > 0x1FFFFFFF) {
      throw new IllegalArgumentException("protobuf: invalid field number " + (tag >>> 3));
    }
    return true;
  }

  public int field() {
    return field;
  }

  public int wireType() {
    return wireType;
  }

  public long readVarint() {
    expect(WIRE_VARINT);
    return varint();
  }

  public byte[] readBytes() {
    expect(WIRE_LEN);
    long len = varint();
    if (len > data.length - pos) {
      throw new IllegalArgumentException("protobuf: field " + field + " claims " + len + " bytes, "
          + (data.length - pos) + " left");
    }
    byte[] v = Arrays.copyOfRange(data, pos, pos + (int) len);
    pos += (int) len;
    return v;
  }

  public String readString() {
    byte[] b = readBytes();
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("protobuf: field " + field + " is not valid UTF-8", e);
    }
  }

  /** Skips the current field's value (unknown fields are ignored, as protobuf requires). */
  public void skip() {
    switch (wireType) {
      case WIRE_VARINT -> varint();
      case WIRE_LEN -> readBytes();
      case WIRE_I64 -> advance(8);
      case WIRE_I32 -> advance(4);
      default -> throw new IllegalArgumentException("protobuf: unsupported wire type " + wireType
          + " for field " + field);
    }
  }

  private void advance(int n) {
    if (n > data.length - pos) {
      throw new IllegalArgumentException("protobuf: truncated field " + field);
    }
    pos += n;
  }

  private void expect(int type) {
    if (wireType != type) {
      throw new IllegalArgumentException("protobuf: field " + field + " has wire type " + wireType
          + " (expected " + type + ")");
    }
  }

  private long varint() {
    try {
      long[] v = Varint.decode(data, pos);
      pos += (int) v[1];
      return v[0];
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("protobuf: bad varint at byte " + pos + ": " + e.getMessage(), e);
    }
  }
}
