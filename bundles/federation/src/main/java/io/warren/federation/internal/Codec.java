package io.warren.federation.internal;

import io.warren.api.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The federation protocol's field encoding: big-endian integers, and byte strings and UTF-8 text
 * prefixed by their length. Readers check every length against what is left and a named limit, so
 * a bad message is a {@link ProtocolException}, never an allocation the peer chose.
 */
final class Codec {
  private Codec() {}

  /** Builds one message. */
  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    Writer u8(int v) {
      out.write(v);
      return this;
    }

    Writer u32(int v) {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    Writer u64(long v) {
      u32((int) (v >>> 32));
      return u32((int) v);
    }

    Writer bytes(byte[] b) {
      u32(b.length);
      out.writeBytes(b);
      return this;
    }

    Writer text(String s) {
      return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    Writer texts(List<String> list) {
      u32(list.size());
      for (String s : list) {
        text(s);
      }
      return this;
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  /** Reads one message; every read checks the bytes are there. */
  static final class Reader {
    private final ByteBuffer in;

    Reader(byte[] message) {
      this.in = ByteBuffer.wrap(message);
    }

    int u8() {
      need(1, "a byte");
      return in.get() & 0xff;
    }

    int u32() {
      need(4, "a 32-bit integer");
      return in.getInt();
    }

    long u64() {
      need(8, "a 64-bit integer");
      return in.getLong();
    }

    byte[] bytes(int limit, String what) {
      int n = u32();
      if (n < 0 || n > limit) {
        throw new ProtocolException(what + " of " + Integer.toUnsignedString(n) + " bytes (limit " + limit + ")");
      }
      need(n, what);
      byte[] b = new byte[n];
      in.get(b);
      return b;
    }

    String text(int limit, String what) {
      byte[] b = bytes(limit, what);
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
      } catch (CharacterCodingException e) {
        throw new ProtocolException(what + " is not UTF-8");
      }
    }

    List<String> texts(int maxCount, int limit, String what) {
      int n = u32();
      if (n < 0 || n > maxCount) {
        throw new ProtocolException(Integer.toUnsignedString(n) + " " + what + " (limit " + maxCount + ")");
      }
      List<String> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(text(limit, what));
      }
      return list;
    }

    /** Bytes not read yet. */
    int remaining() {
      return in.remaining();
    }

    void end() {
      if (in.hasRemaining()) {
        throw new ProtocolException(in.remaining() + " unexpected bytes at the end of a message");
      }
    }

    private void need(int n, String what) {
      if (in.remaining() < n) {
        throw new ProtocolException("message ends before " + what);
      }
    }
  }
}
