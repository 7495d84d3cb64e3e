package io.warren.files.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.warren.api.ProtocolException;
import java.io.IOException;
import java.util.Arrays;

/**
 * The framing of {@link Wire} over one stream, for blocking protocol code on a worker thread: the
 * next frame is read with its length checked against its type's limit before its payload is
 * buffered, into one buffer reused for every frame (so a transfer holds at most one chunk).
 */
abstract class Frames implements AutoCloseable {
  private final byte[] header = new byte[Wire.HEADER];
  private byte[] payload = new byte[4096];
  private int type;
  private int length;

  /** Reads the next frame, waiting at most {@code timeoutMillis}; returns its type. */
  final int next(long timeoutMillis) throws IOException {
    readFully(header, 0, Wire.HEADER, timeoutMillis);
    type = header[0] & 0xff;
    long n = ((header[1] & 0xffL) << 24) | ((header[2] & 0xff) << 16) | ((header[3] & 0xff) << 8) | (header[4] & 0xff);
    int limit = Wire.limit(type);
    if (limit < 0) {
      throw new ProtocolException("files: unknown frame type " + type + " (expected 1-8)");
    }
    if (n > limit) {
      throw new ProtocolException("files: frame type " + type + " of " + n + " bytes (at most " + limit + ")");
    }
    length = (int) n;
    if (payload.length < length) {
      payload = Arrays.copyOf(payload, Math.max(length, Math.min(limit, payload.length * 2)));
    }
    readFully(payload, 0, length, timeoutMillis);
    return type;
  }

  /** The last frame's payload: valid until the next {@link #next}. */
  final byte[] payload() {
    return payload;
  }

  final int length() {
    return length;
  }

  final void send(int type, byte[] payload) throws IOException {
    write(Wire.frame(alloc(), type, payload));
  }

  abstract ByteBufAllocator alloc();

  /** Reads exactly {@code len} bytes, waiting at most {@code timeoutMillis} for each piece. */
  abstract void readFully(byte[] b, int off, int len, long timeoutMillis) throws IOException;

  /** Whether the peer may still be there: the stream has neither ended nor failed. */
  abstract boolean alive();

  /** Whether bytes from the peer wait to be read (an ABORT while sending). */
  abstract boolean readable();

  /** Writes a whole frame (taking ownership of it), waiting while too much is written and not yet sent. */
  abstract void write(ByteBuf frame) throws IOException;

  /** Ends this side in order: the peer reads everything written, then the end. */
  abstract void finish();

  /** Aborts both ways at once. */
  abstract void abort();

  @Override
  public abstract void close();
}
