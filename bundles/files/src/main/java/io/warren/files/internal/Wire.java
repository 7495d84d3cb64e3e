package io.warren.files.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.warren.api.ProtocolException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@value #PROTOCOL} messages. Every frame is a type byte, a u32 length and that many bytes,
 * big-endian; each type has its own length limit, checked before a byte of the payload is buffered.
 *
 * <pre>
 * OFFER  (1) sender:   u16 version (1), u32 chunk size, u32 count, count x entry
 *                      entry: u8 kind (0 file, 1 directory), u16 + UTF-8 name ('/'-separated, relative),
 *                             u64 size, u16 mode (0-0777), 32-byte SHA-256 of the whole file (zero for a directory)
 *        version 2:    u16 version (2), u32 chunk size, u8 n, n x u8 hash (0 SHA-256, 1 BLAKE3; the sender's
 *                      preference first, SHA-256 always among them), u32 count, count x entry
 *                      entry: as in version 1 but with n 32-byte digests of the whole file, one per hash, in order
 * ANSWER (2) receiver: u8 verdict (0 accept, 1 reject), u16 + UTF-8 reason, u32 count, count x u64 offset held;
 *                      to a version 2 offer then u8 hash: the first of the offered ones the receiver knows
 * DATA   (3) sender:   u32 entry index, u64 offset, 32-byte digest of this chunk in the answer's hash (SHA-256 for
 *                      a version 1 offer), the chunk (1 - chunk size bytes)
 * DONE   (4) sender:   empty; everything was sent
 * RESULT (5) receiver: u8 ok (1) or not (0), u16 + UTF-8 message
 * ABORT  (6) either:   u16 + UTF-8 reason; the stream ends after it
 * REQUEST (7) getter:  u8 op (0 list, 1 get), u16 + UTF-8 path ('/'-separated: a share's name, then a path in it;
 *                      empty: the shares given to the asker); in place of an offer, as the first frame
 * LISTING (8) sharer:  u32 count, count x (u8 kind (0 file, 1 directory, 2 link, 3 other), u16 + UTF-8 name,
 *                      u64 size, u16 mode, u64 modified millis), u8 cut (1: more entries than a listing holds)
 * </pre>
 *
 * A sender that uses only SHA-256 offers version 1. One set to BLAKE3 offers version 2; a receiver
 * that speaks only version 1 aborts it ("offer of version 2"), and the sender offers version 1 on
 * a new stream. The id of a transfer is the digest of its version 1 offer whatever was offered, so
 * what a receiver holds of it is resumed under either hash.
 *
 * A get is answered like a send the other way: the sharer offers what was asked for, on the same
 * stream, and the getter receives it into its staging directory and answers with what it holds.
 *
 * Files are sent in entry order, each from the offset the receiver holds, in chunks of the offered
 * size (the last one shorter); a receiver takes nothing out of that order.
 */
final class Wire {
  static final String PROTOCOL = "/warren/files/1.0.0";
  static final int VERSION = 1;
  /** The offer that lists its hashes: {@link #VERSION} with SHA-256 only. */
  static final int VERSION_HASHES = 2;
  static final int MAX_HASHES = 4;
  static final int OFFER = 1;
  static final int ANSWER = 2;
  static final int DATA = 3;
  static final int DONE = 4;
  static final int RESULT = 5;
  static final int ABORT = 6;
  static final int REQUEST = 7;
  static final int LISTING = 8;
  static final int LIST = 0;
  static final int GET = 1;
  static final int HEADER = 5;
  static final int DATA_HEADER = 4 + 8 + 32;
  static final int MIN_CHUNK = 4096;
  static final int MAX_CHUNK = 1 << 20;
  static final int MAX_CONTROL = 1 << 20;
  static final int MAX_ENTRIES = 10_000;
  static final int MAX_TEXT = 4096;
  static final int MAX_MODE = 0777;
  /** How an ABORT in place of the answer starts when the receiver has no room now: the sender tries again later. */
  static final String BUSY = "busy: ";

  /**
   * A file or directory offered, named relative to the receiver's inbox, with the digests of the
   * whole file ({@code blake3} null when it is not offered).
   */
  record Entry(String name, boolean dir, long size, int mode, byte[] sha256, byte[] blake3) {
    Entry {
      if (size < 0 || dir && size != 0) {
        throw new IllegalArgumentException("bad size " + size + " for " + name);
      }
    }

    Entry(String name, boolean dir, long size, int mode, byte[] sha256) {
      this(name, dir, size, mode, sha256, null);
    }

    /** The whole file's digest in {@code h}. */
    byte[] digest(Hash h) {
      return h == Hash.BLAKE3 ? blake3 : sha256;
    }
  }

  /** What a sender offers; {@code hashes} in its preference order, SHA-256 among them. */
  record Offer(int version, int chunkSize, List<Hash> hashes, List<Entry> entries) {
    Offer(int version, int chunkSize, List<Entry> entries) {
      this(version, chunkSize, List.of(Hash.SHA256), entries);
    }

    /**
     * The transfer's id: a digest of what is offered in its version 1 form, so the same files offered
     * again are the same transfer whichever hash verifies them.
     */
    String id() {
      byte[] d = sha256().digest(payload(sha256Only()));
      return HexFormat.of().formatHex(d, 0, 16);
    }

    /** This offer as version 1, for a receiver that knows nothing else. */
    Offer sha256Only() {
      return version == VERSION ? this : new Offer(VERSION, chunkSize, List.of(Hash.SHA256), entries);
    }

    long total() {
      return entries.stream().mapToLong(Entry::size).sum();
    }

    int files() {
      return (int) entries.stream().filter(e -> !e.dir()).count();
    }

    String label() {
      List<String> tops = new ArrayList<>();
      for (Entry e : entries) {
        String top = e.name().split("/", 2)[0];
        if (!tops.contains(top)) {
          tops.add(top);
        }
      }
      return String.join(", ", tops);
    }
  }

  /** A receiver's answer; {@code hash} verifies the chunks and files (SHA-256 for a version 1 offer). */
  record Answer(boolean accept, String reason, long[] offsets, Hash hash) {
    Answer(boolean accept, String reason, long[] offsets) {
      this(accept, reason, offsets, Hash.SHA256);
    }
  }

  record Result(boolean ok, String message) {}

  /** What a getter asks a sharer for. */
  record Request(int op, String path) {}

  /** One entry of a listing: {@code kind} 0 file, 1 directory, 2 symbolic link, 3 anything else. */
  record Listed(int kind, String name, long size, int mode, long modified) {}

  record Listing(List<Listed> entries, boolean cut) {}

  /** The limit of a frame of {@code type}'s payload, or -1 for an unknown type. */
  static int limit(int type) {
    return switch (type) {
      case OFFER, ANSWER -> MAX_CONTROL;
      case DATA -> DATA_HEADER + MAX_CHUNK;
      case REQUEST -> 3 + MAX_TEXT;
      case LISTING -> MAX_CONTROL;
      case DONE -> 0;
      case RESULT, ABORT -> 3 + MAX_TEXT;
      default -> -1;
    };
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }

  static ByteBuf frame(ByteBufAllocator alloc, int type, byte[] payload) {
    ByteBuf b = alloc.buffer(HEADER + payload.length);
    return b.writeByte(type).writeInt(payload.length).writeBytes(payload);
  }

  static byte[] payload(Offer o) {
    ByteBuffer b = ByteBuffer.allocate(MAX_CONTROL);
    b.putShort((short) o.version()).putInt(o.chunkSize());
    List<Hash> hashes = o.version() == VERSION ? List.of(Hash.SHA256) : o.hashes();
    if (o.version() != VERSION) {
      b.put((byte) hashes.size());
      hashes.forEach(h -> b.put((byte) h.code));
    }
    b.putInt(o.entries().size());
    for (Entry e : o.entries()) {
      b.put((byte) (e.dir() ? 1 : 0));
      text(b, e.name());
      b.putLong(e.size()).putShort((short) e.mode());
      for (Hash h : hashes) {
        b.put(e.dir() ? new byte[Hash.BYTES] : e.digest(h));
      }
    }
    return Arrays.copyOf(b.array(), b.position());
  }

  static Offer offer(byte[] p, int length) {
    try {
      ByteBuffer b = ByteBuffer.wrap(p, 0, length);
      int version = b.getShort() & 0xffff;
      if (version != VERSION && version != VERSION_HASHES) {
        throw new ProtocolException(
            "files: offer of version " + version + " (this node speaks " + VERSION + " and " + VERSION_HASHES + ")");
      }
      int chunk = b.getInt();
      if (chunk < MIN_CHUNK || chunk > MAX_CHUNK) {
        throw new ProtocolException("files: chunk size " + chunk + " (expected " + MIN_CHUNK + "-" + MAX_CHUNK + ")");
      }
      int[] codes = {Hash.SHA256.code};
      if (version == VERSION_HASHES) {
        int n = b.get() & 0xff;
        if (n < 1 || n > MAX_HASHES) {
          throw new ProtocolException("files: an offer of " + n + " hashes (expected 1-" + MAX_HASHES + ")");
        }
        codes = new int[n];
        for (int i = 0; i < n; i++) {
          codes[i] = b.get() & 0xff;
          for (int j = 0; j < i; j++) {
            if (codes[j] == codes[i]) {
              throw new ProtocolException("files: hash " + codes[i] + " offered twice");
            }
          }
        }
        if (Arrays.stream(codes).noneMatch(c -> c == Hash.SHA256.code)) {
          throw new ProtocolException("files: an offer without SHA-256 (every node has it: offer it too)");
        }
      }
      List<Hash> hashes = new ArrayList<>();
      for (int c : codes) {
        if (Hash.of(c) != null) {
          hashes.add(Hash.of(c));
        }
      }
      int count = b.getInt();
      if (count < 1 || count > MAX_ENTRIES) {
        throw new ProtocolException("files: offer of " + count + " entries (expected 1-" + MAX_ENTRIES + ")");
      }
      List<Entry> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int kind = b.get();
        if (kind != 0 && kind != 1) {
          throw new ProtocolException("files: entry kind " + kind + " (expected 0 file or 1 directory)");
        }
        String name = text(b);
        long size = b.getLong();
        int mode = b.getShort() & 0xffff;
        byte[] sha = null;
        byte[] blake3 = null;
        for (int c : codes) {
          byte[] d = new byte[Hash.BYTES];
          b.get(d);
          if (c == Hash.SHA256.code) {
            sha = d;
          } else if (c == Hash.BLAKE3.code) {
            blake3 = d;
          }
        }
        if (size < 0 || kind == 1 && size != 0) {
          throw new ProtocolException("files: size " + size + " for " + name);
        }
        if (mode > MAX_MODE) {
          throw new ProtocolException(
              "files: mode " + Integer.toOctalString(mode) + " for " + name + " (expected 0-0777)");
        }
        entries.add(new Entry(name, kind == 1, size, mode, sha, blake3));
      }
      end(b, "offer");
      return new Offer(version, chunk, List.copyOf(hashes), List.copyOf(entries));
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("files: offer cut short", e);
    }
  }

  /** The answer to an offer of {@code version}: version 2 gets the hash picked. */
  static byte[] payload(Answer a, int version) {
    byte[] reason = utf8(a.reason());
    ByteBuffer b = ByteBuffer.allocate(1 + 2 + reason.length + 4 + 8 * a.offsets().length + 1);
    b.put((byte) (a.accept() ? 0 : 1)).putShort((short) reason.length).put(reason).putInt(a.offsets().length);
    for (long o : a.offsets()) {
      b.putLong(o);
    }
    if (version != VERSION) {
      b.put((byte) a.hash().code);
    }
    return Arrays.copyOf(b.array(), b.position());
  }

  /** The answer to {@code offer}: to version 2, with one of the offered hashes. */
  static Answer answer(byte[] p, int length, Offer offer) {
    int entries = offer.entries().size();
    try {
      ByteBuffer b = ByteBuffer.wrap(p, 0, length);
      int verdict = b.get();
      if (verdict != 0 && verdict != 1) {
        throw new ProtocolException("files: answer verdict " + verdict + " (expected 0 accept or 1 reject)");
      }
      String reason = text(b);
      int count = b.getInt();
      if (verdict == 0 && count != entries || verdict == 1 && count != 0) {
        throw new ProtocolException("files: answer with " + count + " offsets for " + entries + " entries");
      }
      long[] offsets = new long[count];
      for (int i = 0; i < count; i++) {
        offsets[i] = b.getLong();
      }
      Hash hash = Hash.SHA256;
      if (offer.version() != VERSION) {
        int code = b.get() & 0xff;
        hash = Hash.of(code);
        if (hash == null || !offer.hashes().contains(hash)) {
          throw new ProtocolException("files: the receiver picked hash " + code + ", which was not offered");
        }
      }
      end(b, "answer");
      return new Answer(verdict == 0, reason, offsets, hash);
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("files: answer cut short", e);
    }
  }

  static byte[] payload(Result r) {
    byte[] m = utf8(r.message());
    return ByteBuffer.allocate(3 + m.length).put((byte) (r.ok() ? 1 : 0)).putShort((short) m.length).put(m).array();
  }

  static Result result(byte[] p, int length) {
    try {
      ByteBuffer b = ByteBuffer.wrap(p, 0, length);
      int ok = b.get();
      String m = text(b);
      end(b, "result");
      return new Result(ok == 1, m);
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("files: result cut short", e);
    }
  }

  static byte[] payload(Request r) {
    byte[] t = r.path().getBytes(StandardCharsets.UTF_8);
    if (t.length > MAX_TEXT) {
      throw new IllegalArgumentException("a path longer than " + MAX_TEXT + " bytes");
    }
    return ByteBuffer.allocate(3 + t.length).put((byte) r.op()).putShort((short) t.length).put(t).array();
  }

  static Request request(byte[] p, int length) {
    try {
      ByteBuffer b = ByteBuffer.wrap(p, 0, length);
      int op = b.get();
      if (op != LIST && op != GET) {
        throw new ProtocolException("files: request " + op + " (expected 0 list or 1 get)");
      }
      String path = text(b);
      end(b, "request");
      return new Request(op, path);
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("files: request cut short", e);
    }
  }

  /** As many of {@code entries} as fit in a listing frame, in order; the rest is marked as cut. */
  static byte[] payload(List<Listed> entries) {
    ByteBuffer b = ByteBuffer.allocate(MAX_CONTROL);
    b.putInt(0);
    int n = 0;
    boolean cut = false;
    for (Listed e : entries) {
      byte[] name = utf8(e.name());
      if (b.remaining() < 1 + 2 + name.length + 8 + 2 + 8 + 1) {
        cut = true;
        break;
      }
      b.put((byte) e.kind()).putShort((short) name.length).put(name).putLong(e.size()).putShort((short) e.mode())
          .putLong(e.modified());
      n++;
    }
    b.put((byte) (cut ? 1 : 0));
    b.putInt(0, n);
    return Arrays.copyOf(b.array(), b.position());
  }

  static Listing listing(byte[] p, int length) {
    try {
      ByteBuffer b = ByteBuffer.wrap(p, 0, length);
      int count = b.getInt();
      if (count < 0 || count > MAX_CONTROL / 21) {
        throw new ProtocolException("files: a listing of " + count + " entries");
      }
      List<Listed> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int kind = b.get();
        if (kind < 0 || kind > 3) {
          throw new ProtocolException("files: listed kind " + kind + " (expected 0-3)");
        }
        String name = text(b);
        long size = b.getLong();
        int mode = b.getShort() & 0xffff;
        long modified = b.getLong();
        out.add(new Listed(kind, name, size, mode, modified));
      }
      boolean cut = b.get() == 1;
      end(b, "listing");
      return new Listing(List.copyOf(out), cut);
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("files: listing cut short", e);
    }
  }

  static byte[] abort(String reason) {
    byte[] m = utf8(reason);
    return ByteBuffer.allocate(2 + m.length).putShort((short) m.length).put(m).array();
  }

  static String abortReason(byte[] p, int length) {
    try {
      ByteBuffer b = ByteBuffer.wrap(p, 0, length);
      String m = text(b);
      end(b, "abort");
      return m;
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("files: abort cut short", e);
    }
  }

  /** UTF-8 of {@code s}, cut to {@link #MAX_TEXT} bytes at a character boundary. */
  static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= MAX_TEXT) {
      return b;
    }
    int n = MAX_TEXT;
    while ((b[n] & 0xc0) == 0x80) {
      n--;
    }
    return Arrays.copyOf(b, n);
  }

  private static void text(ByteBuffer b, String s) {
    byte[] t = s.getBytes(StandardCharsets.UTF_8);
    if (t.length > MAX_TEXT) {
      throw new IllegalArgumentException("name longer than " + MAX_TEXT + " bytes: " + s);
    }
    b.putShort((short) t.length).put(t);
  }

  private static String text(ByteBuffer b) {
    int n = b.getShort() & 0xffff;
    if (n > MAX_TEXT) {
      throw new ProtocolException("files: text of " + n + " bytes (at most " + MAX_TEXT + ")");
    }
    byte[] t = new byte[n];
    b.get(t);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(t)).toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException("files: text that is not UTF-8", e);
    }
  }

  private static void end(ByteBuffer b, String what) {
    if (b.hasRemaining()) {
      throw new ProtocolException("files: " + b.remaining() + " bytes after the " + what);
    }
  }

  private Wire() {}
}
