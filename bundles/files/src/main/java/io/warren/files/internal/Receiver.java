package io.warren.files.internal;

import io.warren.api.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * The receiving side of one attempt. Names are checked before anything touches the disk; content
 * goes to {@code <inbox>/.warren-partial/<key>/<entry>.part}, each chunk checked against its
 * digest and each file against its whole digest (SHA-256, or the sender's first offered hash); only when every file is whole and right are they
 * moved into the inbox, each top-level entry by one rename. What the staging directory holds is
 * what a later attempt of the same transfer does not need again.
 */
final class Receiver {
  /** Whether an offer is taken: null when it is, else why not. May block while the offer is pending. */
  interface Policy {
    String decide(Wire.Offer offer, Live live, Frames frames) throws InterruptedException;
  }

  /** The sender broke its own offer: wrong size or content. Nothing of it lands in the inbox. */
  static final class Lie extends Exception {
    private static final long serialVersionUID = 1L;

    Lie(String message) {
      super(message);
    }
  }

  /** How long a stream may stay silent before its offer: it holds one of the node's incoming slots. */
  static final long OFFER_MILLIS = 10_000;

  private final Path inbox;
  private final String peer;
  private final Frames frames;
  private final Function<Wire.Offer, Live> start;
  private final Policy policy;
  private final Sender.Limit limit;
  private final long idleMillis;
  private Live live;
  private Wire.Offer offer;

  Receiver(Path inbox, String peer, Frames frames, Function<Wire.Offer, Live> start, Policy policy,
      Sender.Limit limit, long idleMillis) {
    this.inbox = inbox;
    this.peer = peer;
    this.frames = frames;
    this.start = start;
    this.policy = policy;
    this.limit = limit;
    this.idleMillis = idleMillis;
  }

  /** Where the parts of {@code id} from {@code peer} wait. */
  static Path staging(Path inbox, String peer, String id) {
    MessageDigest d = Wire.sha256();
    d.update((peer + "\n" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return inbox.resolve(Names.STAGING).resolve(HexFormat.of().formatHex(d.digest(), 0, 16));
  }

  /** Runs the attempt to its end and returns the transfer as it ended. */
  Live run() throws IOException, InterruptedException {
    return offered(frames.next(Math.min(idleMillis, OFFER_MILLIS)));
  }

  /** Runs the attempt whose first frame, of {@code type}, was read already. */
  Live offered(int type) throws IOException, InterruptedException {
    if (type != Wire.OFFER) {
      throw new ProtocolException("files: frame type " + type + " where an offer was expected");
    }
    Wire.Offer offer = Wire.offer(frames.payload(), frames.length());
    this.offer = offer;
    // the sender's first choice: this node knows every hash an offer of it keeps (unknown codes are dropped)
    Hash hash = offer.hashes().get(0);
    live = start.apply(offer);
    live.verifiedBy(hash, offer.entries());
    try {
      String why = Names.refusal(offer.entries());
      if (why != null) {
        reject("refused name: " + why);
        return live;
      }
      Path staging = staging(inbox, peer, offer.id());
      long[] offsets = held(staging, offer);
      long have = Arrays.stream(offsets).sum();
      long free = Files.getFileStore(inbox).getUsableSpace();
      if (offer.total() - have > free) {
        reject("the receiver's disk is too full: " + free + " bytes free, " + (offer.total() - have) + " needed");
        return live;
      }
      String no = policy.decide(offer, live, frames);
      if (no != null) {
        reject(no);
        return live;
      }
      Files.createDirectories(staging); // only now: an offer not taken leaves nothing on disk
      frames.send(Wire.ANSWER, Wire.payload(new Wire.Answer(true, "", offsets, hash), offer.version()));
      live.resumedFrom = have;
      live.state = "running";
      receive(offer, hash, staging, offsets);
      String saved = place(offer, staging);
      frames.send(Wire.RESULT, Wire.payload(new Wire.Result(true, saved)));
      frames.finish();
      live.end("done", saved);
    } catch (Lie e) {
      abort(e.getMessage());
      live.end("failed", "the sender lied: " + e.getMessage());
    } catch (DiskFull e) {
      abort(e.getMessage());
      live.end("failed", e.getMessage());
    }
    return live;
  }

  /** The live transfer once the offer was read, else null. */
  Live live() {
    return live;
  }

  private void reject(String why) throws IOException {
    frames.send(Wire.ANSWER, Wire.payload(new Wire.Answer(false, why, new long[0]), offer.version()));
    frames.finish();
    live.end("rejected", why);
  }

  private void abort(String why) {
    try {
      frames.send(Wire.ABORT, Wire.abort(why));
      frames.finish();
    } catch (IOException e) {
      // the sender is gone already; the transfer ends here either way
    }
  }

  private static long[] held(Path staging, Wire.Offer offer) throws IOException {
    List<Wire.Entry> entries = offer.entries();
    long[] offsets = new long[entries.size()];
    for (int i = 0; i < offsets.length; i++) {
      Path part = staging.resolve(i + ".part");
      if (!entries.get(i).dir() && Files.isRegularFile(part, LinkOption.NOFOLLOW_LINKS)) {
        long len = Files.size(part);
        long whole = Math.min(entries.get(i).size(), len - len % offer.chunkSize());
        if (len != whole) {
          try (FileChannel fc = FileChannel.open(part, StandardOpenOption.WRITE)) {
            fc.truncate(whole);
          }
        }
        offsets[i] = whole;
      }
    }
    return offsets;
  }

  private static final class DiskFull extends Exception {
    private static final long serialVersionUID = 1L;

    DiskFull(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private void receive(Wire.Offer offer, Hash hash, Path staging, long[] offsets)
      throws IOException, Lie, DiskFull, InterruptedException {
    List<Wire.Entry> entries = offer.entries();
    Hash.Hasher chunk = hash.hasher();
    Hash.Hasher whole = hash.hasher();
    byte[] sha = new byte[Hash.BYTES];
    for (int i = 0; i < entries.size(); i++) {
      Wire.Entry e = entries.get(i);
      if (e.dir()) {
        continue;
      }
      Path part = staging.resolve(i + ".part");
      try (FileChannel fc = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE)) {
        prefix(fc, offsets[i], whole);
        for (long pos = offsets[i]; pos < e.size();) {
          int type = frames.next(idleMillis);
          expectData(type, e, pos);
          byte[] p = frames.payload();
          ByteBuffer h = ByteBuffer.wrap(p, 0, Wire.DATA_HEADER);
          int index = h.getInt();
          long offset = h.getLong();
          h.get(sha);
          int len = frames.length() - Wire.DATA_HEADER;
          if (index != i || offset != pos) {
            throw new ProtocolException("files: data for entry " + index + " at " + offset + " where entry " + i
                + " at " + pos + " was expected");
          }
          if (pos + len > e.size()) {
            throw new Lie("sent more than the " + e.size() + " bytes it announced for " + e.name());
          }
          if (len != Math.min(offer.chunkSize(), e.size() - pos)) {
            throw new ProtocolException("files: a chunk of " + len + " bytes of " + e.name() + " at " + pos
                + " (chunks are " + offer.chunkSize() + " bytes)");
          }
          chunk.update(p, Wire.DATA_HEADER, len);
          if (!MessageDigest.isEqual(chunk.digest(), sha)) {
            throw new Lie("the chunk of " + e.name() + " at " + pos + " does not match its " + hash.display);
          }
          write(fc, ByteBuffer.wrap(p, Wire.DATA_HEADER, len), pos, part);
          whole.update(p, Wire.DATA_HEADER, len);
          pos += len;
          live.moved.addAndGet(len);
          if (live.cancelled) {
            throw new IOException("files: cancelled");
          }
          limit.take(len); // reading slower holds the sender back through the stream's window
        }
      }
      if (!MessageDigest.isEqual(whole.digest(), e.digest(hash))) {
        Files.delete(part);
        throw new Lie(e.name() + " does not match the " + hash.display + " it announced");
      }
    }
    int type = frames.next(idleMillis);
    if (type == Wire.ABORT) {
      throw new IOException("files: the sender stopped: " + Wire.abortReason(frames.payload(), frames.length()));
    }
    if (type != Wire.DONE) {
      throw new ProtocolException("files: frame type " + type + " after the last chunk (expected done)");
    }
  }

  private void expectData(int type, Wire.Entry e, long pos) throws IOException, Lie {
    if (type == Wire.DONE) {
      throw new Lie("ended after " + pos + " of the " + e.size() + " bytes it announced for " + e.name());
    }
    if (type == Wire.ABORT) {
      throw new IOException("files: the sender stopped: " + Wire.abortReason(frames.payload(), frames.length()));
    }
    if (type != Wire.DATA) {
      throw new ProtocolException("files: frame type " + type + " where data was expected");
    }
    if (frames.length() <= Wire.DATA_HEADER) {
      throw new ProtocolException("files: an empty chunk");
    }
  }

  private void write(FileChannel fc, ByteBuffer b, long pos, Path part) throws IOException, DiskFull {
    try {
      while (b.hasRemaining()) {
        pos += fc.write(b, pos);
      }
    } catch (IOException x) {
      long free = Files.getFileStore(part.getParent()).getUsableSpace();
      if (free < b.remaining() || String.valueOf(x.getMessage()).contains("No space left")) {
        throw new DiskFull("the receiver's disk is full (" + inbox + ": " + free + " bytes free)", x);
      }
      throw x;
    }
  }

  private static void prefix(FileChannel fc, long upTo, Hash.Hasher d) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(64 * 1024);
    for (long pos = 0; pos < upTo;) {
      b.clear().limit((int) Math.min(b.capacity(), upTo - pos));
      int n = fc.read(b, pos);
      if (n < 0) {
        throw new IOException("files: a part file shrank under the receiver");
      }
      d.update(b.flip());
      pos += n;
    }
  }

  /** Moves the verified tree into the inbox, each top-level entry under a free name; returns where. */
  private String place(Wire.Offer offer, Path staging) throws IOException {
    List<Wire.Entry> entries = offer.entries();
    Path tree = staging.resolve("tree");
    Deletes.tree(tree);
    Files.createDirectories(tree);
    List<String> tops = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Wire.Entry e = entries.get(i);
      Path to = Names.under(tree, e.name());
      Files.createDirectories(e.dir() ? to : to.getParent());
      if (!e.dir()) {
        Files.move(staging.resolve(i + ".part"), to, StandardCopyOption.ATOMIC_MOVE);
        Modes.set(to, e.mode());
      }
      String top = e.name().split("/", 2)[0];
      if (!tops.contains(top)) {
        tops.add(top);
      }
    }
    List<String> saved = new ArrayList<>();
    List<String> finals = new ArrayList<>();
    for (String top : tops) {
      Path target = free(inbox, top);
      Files.move(tree.resolve(top), target, StandardCopyOption.ATOMIC_MOVE);
      saved.add(target.getFileName().toString());
      finals.add(target.getFileName().toString());
    }
    for (int i = entries.size() - 1; i >= 0; i--) {
      Wire.Entry e = entries.get(i);
      if (e.dir()) {
        String[] parts = e.name().split("/", 2);
        String renamed = finals.get(tops.indexOf(parts[0])) + (parts.length > 1 ? "/" + parts[1] : "");
        Modes.set(Names.under(inbox, renamed), e.mode());
      }
    }
    Deletes.tree(staging);
    return "saved in " + inbox + " as " + String.join(", ", saved);
  }

  /** {@code name} in {@code dir}, or {@code name (n)} with the lowest n not taken. */
  static Path free(Path dir, String name) {
    Path p = dir.resolve(name);
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    String ext = dot > 0 ? name.substring(dot) : "";
    for (int n = 1; Files.exists(p, LinkOption.NOFOLLOW_LINKS); n++) {
      p = dir.resolve(stem + " (" + n + ")" + ext);
    }
    return p;
  }
}
