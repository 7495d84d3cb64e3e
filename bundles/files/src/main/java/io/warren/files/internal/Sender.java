package io.warren.files.internal;

import io.netty.buffer.ByteBuf;
import io.warren.api.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;

/**
 * The sending side of one attempt: offer, wait for the answer, send every file from the offset the
 * receiver holds in chunks each with its digest in the hash the receiver picked, then wait for the
 * receiver's verdict.
 */
final class Sender {
  /** The receiver speaks only version 1 offers: offer the files again that way, on a new stream. */
  static final class OlderReceiver extends Exception {
    private static final long serialVersionUID = 1L;

    OlderReceiver(String message) {
      super(message);
    }
  }

  /** Waits before a chunk is sent, to keep a byte rate. */
  interface Limit {
    void take(long bytes) throws InterruptedException;
  }

  private final Sources.Built built;
  private final Frames frames;
  private final Live live;
  private final Limit limit;
  private final long answerMillis;
  private final long idleMillis;

  Sender(Sources.Built built, Frames frames, Live live, Limit limit, long answerMillis, long idleMillis) {
    this.built = built;
    this.frames = frames;
    this.live = live;
    this.limit = limit;
    this.answerMillis = answerMillis;
    this.idleMillis = idleMillis;
  }

  /** Runs the attempt; returns the receiver's message (where the files landed). */
  String run() throws IOException, Refused, InterruptedException, OlderReceiver {
    Wire.Offer offer = built.offer();
    frames.send(Wire.OFFER, Wire.payload(offer));
    live.state = "waiting";
    int type = frames.next(answerMillis);
    if (type == Wire.ABORT) {
      String why = Wire.abortReason(frames.payload(), frames.length());
      if (why.startsWith(Wire.BUSY)) {
        throw new IOException("files: the receiver is " + why);
      }
      if (offer.version() != Wire.VERSION && why.startsWith("files: offer of version ")) {
        throw new OlderReceiver(why);
      }
      throw new Refused("failed", "the receiver stopped: " + why);
    }
    if (type != Wire.ANSWER) {
      throw new ProtocolException("files: frame type " + type + " where the answer was expected");
    }
    Wire.Answer answer = Wire.answer(frames.payload(), frames.length(), offer);
    if (!answer.accept()) {
      throw new Refused("rejected", answer.reason());
    }
    Hash hash = answer.hash();
    live.verifiedBy(hash, offer.entries());
    long held = 0;
    List<Wire.Entry> entries = offer.entries();
    for (int i = 0; i < entries.size(); i++) {
      long o = answer.offsets()[i];
      if (o < 0 || o > entries.get(i).size()) {
        throw new ProtocolException("files: the receiver holds " + o + " bytes of " + entries.get(i).name()
            + " of " + entries.get(i).size());
      }
      held += o;
    }
    live.resumedFrom = held;
    live.state = "running";
    for (int i = 0; i < entries.size(); i++) {
      Wire.Entry e = entries.get(i);
      if (!e.dir() && answer.offsets()[i] < e.size()) {
        send(i, e, built.paths().get(i), answer.offsets()[i], offer.chunkSize(), hash.hasher());
      }
    }
    try {
      frames.send(Wire.DONE, new byte[0]);
    } catch (IOException ex) {
      throw refusalOr(ex);
    }
    type = frames.next(idleMillis);
    checkAbort(type);
    if (type != Wire.RESULT) {
      throw new ProtocolException("files: frame type " + type + " where the result was expected");
    }
    Wire.Result r = Wire.result(frames.payload(), frames.length());
    if (!r.ok()) {
      throw new Refused("failed", "the receiver says: " + r.message());
    }
    frames.finish();
    return r.message();
  }

  private void send(int index, Wire.Entry e, Path path, long from, int chunk, Hash.Hasher d)
      throws IOException, Refused, InterruptedException {
    try (FileChannel fc = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      if (fc.size() != e.size()) {
        throw new Refused("failed",
            path + " changed since it was offered (" + e.size() + " bytes, now " + fc.size() + ")");
      }
      for (long pos = from; pos < e.size();) {
        if (frames.readable()) {
          checkAbort(frames.next(idleMillis));
          throw new ProtocolException("files: the receiver spoke while data was being sent");
        }
        int len = (int) Math.min(chunk, e.size() - pos);
        limit.take(len);
        ByteBuf b = frames.alloc().directBuffer(Wire.HEADER + Wire.DATA_HEADER + len);
        try {
          b.writeByte(Wire.DATA).writeInt(Wire.DATA_HEADER + len).writeInt(index).writeLong(pos);
          int shaAt = b.writerIndex();
          b.writeZero(Hash.BYTES);
          int dataAt = b.writerIndex();
          while (b.writerIndex() - dataAt < len) {
            int n = b.writeBytes(fc, pos + b.writerIndex() - dataAt, len - (b.writerIndex() - dataAt));
            if (n < 0) {
              throw new Refused("failed", path + " shrank while it was sent");
            }
          }
          ByteBuffer content = b.nioBuffer(dataAt, len);
          d.update(content);
          b.setBytes(shaAt, d.digest());
        } catch (IOException | Refused | RuntimeException ex) {
          b.release();
          throw ex;
        }
        try {
          frames.write(b);
        } catch (IOException ex) {
          throw refusalOr(ex);
        }
        pos += len;
        live.moved.addAndGet(len);
      }
    }
  }

  /**
   * A write failed: a receiver that stops (a chunk or the whole file not matching its SHA-256) says
   * why before it closes, so its reason, when one is waiting, is the better error than the write's.
   */
  private Refused refusalOr(IOException writeFailure) throws IOException {
    try {
      if (frames.readable() && frames.next(idleMillis) == Wire.ABORT) {
        return new Refused("failed", "the receiver stopped: " + Wire.abortReason(frames.payload(), frames.length()));
      }
    } catch (IOException | RuntimeException e) {
      writeFailure.addSuppressed(e);
    }
    throw writeFailure;
  }

  private void checkAbort(int type) throws Refused {
    if (type == Wire.ABORT) {
      throw new Refused("failed", "the receiver stopped: " + Wire.abortReason(frames.payload(), frames.length()));
    }
  }

  /**
   * The transfer's checksum as shown, in {@code hash}: the file's digest, or for several files the
   * digest of their digests in order.
   */
  static String checksum(List<Wire.Entry> entries, Hash hash) {
    List<Wire.Entry> files = entries.stream().filter(e -> !e.dir()).toList();
    if (files.size() == 1) {
      return HexFormat.of().formatHex(files.get(0).digest(hash));
    }
    Hash.Hasher d = hash.hasher();
    files.forEach(f -> d.update(f.digest(hash), 0, Hash.BYTES));
    return files.isEmpty() ? "" : HexFormat.of().formatHex(d.digest());
  }

}
