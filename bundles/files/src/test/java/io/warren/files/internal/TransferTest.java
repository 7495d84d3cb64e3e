package io.warren.files.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sender and a receiver talking over a pipe: what lands, what resumes, what is refused. */
class TransferTest {
  private static final int CHUNK = 4096;
  private static final String PEER = "libp2p:12D3KooWtest";
  @TempDir Path dir;

  /** {@link Frames} over java.io pipes, for one side. */
  static final class IoFrames extends Frames {
    final DataInputStream in;
    final OutputStream out;
    int writesLeft = Integer.MAX_VALUE;

    IoFrames(InputStream in, OutputStream out) {
      this.in = new DataInputStream(in);
      this.out = out;
    }

    @Override
    ByteBufAllocator alloc() {
      return UnpooledByteBufAllocator.DEFAULT;
    }

    @Override
    void readFully(byte[] b, int off, int len, long timeoutMillis) throws IOException {
      in.readFully(b, off, len);
    }

    @Override
    boolean alive() {
      return true;
    }

    @Override
    boolean readable() {
      try {
        return in.available() > 0;
      } catch (IOException e) {
        return true;
      }
    }

    @Override
    void write(ByteBuf frame) throws IOException {
      try {
        if (writesLeft-- <= 0) {
          throw new IOException("connection dropped (test)");
        }
        frame.readBytes(out, frame.readableBytes());
        out.flush();
      } finally {
        frame.release();
      }
    }

    @Override
    void finish() {
      try {
        out.close();
      } catch (IOException e) {
        // gone
      }
    }

    @Override
    void abort() {
      close();
    }

    @Override
    public void close() {
      finish();
      try {
        in.close();
      } catch (IOException e) {
        // gone
      }
    }
  }

  /** Two connected ends. */
  private static IoFrames[] pipe() throws IOException {
    PipedInputStream aIn = new PipedInputStream(1 << 20);
    PipedInputStream bIn = new PipedInputStream(1 << 20);
    PipedOutputStream aOut = new PipedOutputStream(bIn);
    PipedOutputStream bOut = new PipedOutputStream(aIn);
    return new IoFrames[] {new IoFrames(aIn, aOut), new IoFrames(bIn, bOut)};
  }

  private record Outcome(Live sent, Object senderResult, Live received) {}

  private Outcome transfer(Path inbox, List<Path> paths, String as, int dropAfterWrites, Receiver.Policy policy)
      throws Exception {
    Sources.Built built = Sources.build(paths, as, CHUNK);
    return transfer(inbox, built, dropAfterWrites, policy);
  }

  private Outcome transfer(Path inbox, Sources.Built built, int dropAfterWrites, Receiver.Policy policy)
      throws Exception {
    IoFrames[] p = pipe();
    p[0].writesLeft = dropAfterWrites;
    Wire.Offer offer = built.offer();
    Live sent = new Live(offer.id(), true, PEER, offer.label(), offer.files(), offer.total(), "starting");
    CompletableFuture<Live> received = new CompletableFuture<>();
    Thread rt = new Thread(() -> {
      Receiver r = new Receiver(inbox, PEER, p[1], o -> new Live(o.id(), false, PEER, o.label(), o.files(), o.total(),
          "checking"), policy, b -> {}, 10_000);
      try {
        received.complete(r.run());
      } catch (Exception e) {
        if (r.live() != null) {
          r.live().end("interrupted", e.toString());
        }
        received.complete(r.live());
      } finally {
        p[1].close();
      }
    });
    rt.start();
    Object result;
    try {
      result = new Sender(built, p[0], sent, bytes -> {}, 10_000, 10_000).run();
    } catch (Exception e) {
      result = e;
    } finally {
      p[0].close();
    }
    rt.join(10_000);
    return new Outcome(sent, result, received.get(10, TimeUnit.SECONDS));
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static boolean noStaging(Path inbox) throws IOException {
    Path s = inbox.resolve(Names.STAGING);
    if (!Files.exists(s)) {
      return true;
    }
    try (Stream<Path> all = Files.list(s)) {
      return all.findAny().isEmpty();
    }
  }

  @Test
  void aTreeWithEmptyFilesUnicodeNamesAndModesLandsWhole() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/Fotos ä 日本"));
    Files.createDirectories(src.resolve("empty dir"));
    Files.write(src.resolve("leer.txt"), new byte[0]);
    Files.write(src.resolve("große Datei.bin"), random(3 * CHUNK + 17, 1));
    Path script = Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
    Path inbox = Files.createDirectories(dir.resolve("inbox"));

    Outcome o = transfer(inbox, List.of(src), null, Integer.MAX_VALUE, (offer, live, f) -> null);

    assertEquals("done", o.received().state, o.received().detail);
    Path got = inbox.resolve("Fotos ä 日本");
    assertTrue(Files.isDirectory(got.resolve("empty dir")));
    assertEquals(0, Files.size(got.resolve("leer.txt")));
    assertArrayEquals(random(3 * CHUNK + 17, 1), Files.readAllBytes(got.resolve("große Datei.bin")));
    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(got.resolve("run.sh"))));
    assertTrue(noStaging(inbox));
    assertEquals(3 * CHUNK + 17 + 18, o.received().moved.get());

    // the same again lands beside it, not over it
    Outcome again = transfer(inbox, List.of(src.resolve("run.sh")), "run.sh", Integer.MAX_VALUE, (offer, l, f) -> null);
    assertEquals("done", again.received().state);
    transfer(inbox, List.of(src.resolve("run.sh")), "copy.sh", Integer.MAX_VALUE, (offer, l, f) -> null);
    transfer(inbox, List.of(src.resolve("run.sh")), "copy.sh", Integer.MAX_VALUE, (offer, l, f) -> null);
    assertTrue(Files.exists(inbox.resolve("copy.sh")) && Files.exists(inbox.resolve("copy (1).sh")));
  }

  @Test
  void aBrokenTransferResumesWithOnlyTheRestSent() throws Exception {
    int size = 20 * CHUNK + 5;
    Path file = Files.write(dir.resolve("big.bin"), random(size, 2));
    Path inbox = Files.createDirectories(dir.resolve("inbox"));

    // offer + 8 chunks written, then the connection drops
    Outcome first = transfer(inbox, List.of(file), null, 9, (offer, live, f) -> null);
    assertTrue(first.senderResult() instanceof IOException, String.valueOf(first.senderResult()));
    assertEquals("interrupted", first.received().state);
    assertFalse(Files.exists(inbox.resolve("big.bin")), "nothing under the final name before it is whole");

    Outcome second = transfer(inbox, List.of(file), null, Integer.MAX_VALUE, (offer, live, f) -> null);
    assertEquals("done", second.received().state, second.received().detail);
    assertEquals(8L * CHUNK, second.received().resumedFrom);
    assertEquals(size - 8L * CHUNK, second.received().moved.get());
    assertEquals(size - 8L * CHUNK, second.sent().moved.get());
    assertArrayEquals(random(size, 2), Files.readAllBytes(inbox.resolve("big.bin")));
    assertTrue(noStaging(inbox));
  }

  @Test
  void namesThatLeadOutOfTheInboxAreRefusedBeforeAnythingIsWritten() throws Exception {
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    for (String bad : List.of("../escape", "/etc/passwd", "a/../../b", "a//b", "a\\..\\b", ".", "x/", "a\u0000b",
        Names.STAGING + "/x", "tab\there")) {
      Wire.Entry e = new Wire.Entry(bad, false, 1, 0644, Wire.sha256().digest(new byte[] {1}));
      Sources.Built built = new Sources.Built(new Wire.Offer(Wire.VERSION, CHUNK, List.of(e)),
          List.of(Files.write(dir.resolve("one"), new byte[] {1})));
      Outcome o = transfer(inbox, built, Integer.MAX_VALUE, (offer, live, f) -> null);
      assertEquals("rejected", o.received().state, bad);
      assertTrue(o.senderResult() instanceof Refused, bad + ": " + o.senderResult());
      try (Stream<Path> all = Files.list(inbox)) {
        assertEquals(List.of(), all.toList(), bad);
      }
      assertFalse(Files.exists(dir.resolve("escape")));
    }
  }

  @Test
  void aSenderLyingAboutContentIsRejectedWithNothingUnderTheFinalName() throws Exception {
    Path file = Files.write(dir.resolve("doc.txt"), random(5 * CHUNK, 3));
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    Wire.Offer honest = Sources.build(List.of(file), null, CHUNK).offer();
    Wire.Entry e = honest.entries().get(0);
    Wire.Entry lie = new Wire.Entry(e.name(), false, e.size(), e.mode(), Wire.sha256().digest(new byte[] {9}));
    Sources.Built built = new Sources.Built(new Wire.Offer(Wire.VERSION, CHUNK, List.of(lie)), List.of(file));

    Outcome o = transfer(inbox, built, Integer.MAX_VALUE, (offer, live, f) -> null);

    assertEquals("failed", o.received().state);
    assertTrue(o.received().detail.contains("does not match the SHA-256"), o.received().detail);
    assertTrue(o.senderResult() instanceof Refused, String.valueOf(o.senderResult()));
    assertFalse(Files.exists(inbox.resolve("doc.txt")));
    assertTrue(
        noStaging(inbox) || Files.notExists(Receiver.staging(inbox, PEER, built.offer().id()).resolve("0.part")));
  }

  @Test
  void aSenderLyingAboutSizeIsRejected() throws Exception {
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    byte[] content = "twenty bytes of text".getBytes(StandardCharsets.UTF_8);
    Wire.Entry e = new Wire.Entry("small.txt", false, 10, 0644, Wire.sha256().digest(content));
    Wire.Offer offer = new Wire.Offer(Wire.VERSION, CHUNK, List.of(e));
    IoFrames[] p = pipe();
    Future<Live> received = CompletableFuture.supplyAsync(() -> {
      try {
        return new Receiver(inbox, PEER, p[1], o -> new Live(o.id(), false, PEER, o.label(), 1, o.total(), "checking"),
            (o, l, f) -> null, b -> {}, 10_000).run();
      } catch (Exception x) {
        throw new IllegalStateException(x);
      }
    });
    p[0].send(Wire.OFFER, Wire.payload(offer));
    assertEquals(Wire.ANSWER, p[0].next(10_000));
    byte[] data = new byte[Wire.DATA_HEADER + content.length];
    java.nio.ByteBuffer.wrap(data).putInt(0).putLong(0).put(Wire.sha256().digest(content)).put(content);
    p[0].send(Wire.DATA, data);
    assertEquals(Wire.ABORT, p[0].next(10_000));
    assertTrue(Wire.abortReason(p[0].payload(), p[0].length()).contains("more than the 10 bytes"));
    Live l = received.get(10, TimeUnit.SECONDS);
    assertEquals("failed", l.state);
    assertFalse(Files.exists(inbox.resolve("small.txt")));
  }

  @Test
  void anOfferLargerThanTheFreeSpaceIsRefusedSayingSo() throws Exception {
    Path file = Files.write(dir.resolve("a.txt"), new byte[] {1, 2, 3});
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    long huge = Files.getFileStore(inbox).getUsableSpace() + (1L << 30);
    Wire.Entry e = new Wire.Entry("huge.iso", false, huge, 0644, new byte[32]);
    Sources.Built built = new Sources.Built(new Wire.Offer(Wire.VERSION, CHUNK, List.of(e)), List.of(file));
    Outcome o = transfer(inbox, built, Integer.MAX_VALUE, (offer, live, f) -> null);
    assertEquals("rejected", o.received().state);
    assertTrue(o.received().detail.startsWith("the receiver's disk is too full"), o.received().detail);
    assertTrue(o.senderResult() instanceof Refused r && r.getMessage().contains(huge + " needed"));
    assertFalse(Files.exists(inbox.resolve("huge.iso")));
  }

  @Test
  void aBusyReceiverIsTriedAgainButAStoppedOneIsNot() throws Exception {
    Path file = Files.write(dir.resolve("a.txt"), new byte[] {1, 2, 3});
    Sources.Built built = Sources.build(List.of(file), null, CHUNK);
    for (String why : List.of(Wire.BUSY + "2 transfers are coming in", "no thanks")) {
      IoFrames[] p = pipe();
      p[1].send(Wire.ABORT, Wire.abort(why));
      Live live = new Live("x", true, PEER, "a.txt", 1, 3, "starting");
      Exception e = assertThrows(Exception.class, () -> new Sender(built, p[0], live, b -> {}, 1000, 1000).run());
      assertEquals(why.startsWith(Wire.BUSY) ? IOException.class : Refused.class, e.getClass(), e.toString());
    }
  }

  @Test
  void aDeclinedOfferWritesNothing() throws Exception {
    Path file = Files.write(dir.resolve("a.txt"), new byte[] {1, 2, 3});
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    Outcome o = transfer(inbox, List.of(file), null, Integer.MAX_VALUE, (offer, live, f) -> "declined by the receiver");
    assertEquals("rejected", o.received().state);
    assertTrue(o.senderResult() instanceof Refused r && r.getMessage().equals("declined by the receiver"));
    try (Stream<Path> all = Files.list(inbox)) {
      assertEquals(List.of(), all.toList(), "an offer not taken leaves nothing, not even a staging directory");
    }
  }

  @Test
  void framesAreCheckedAgainstTheirLimitBeforeTheirPayloadIsRead() throws Exception {
    IoFrames[] p = pipe();
    ByteBuf b =
        UnpooledByteBufAllocator.DEFAULT.buffer().writeByte(Wire.DATA).writeInt(Wire.DATA_HEADER + Wire.MAX_CHUNK + 1);
    p[0].write(b);
    var e = assertThrows(io.warren.api.ProtocolException.class, () -> p[1].next(1000));
    assertTrue(e.getMessage().contains("at most"), e.getMessage());
    p[0].write(UnpooledByteBufAllocator.DEFAULT.buffer().writeByte(9).writeInt(0));
    e = assertThrows(io.warren.api.ProtocolException.class, () -> p[1].next(1000));
    assertEquals("files: unknown frame type 9 (expected 1-8)", e.getMessage());
  }

  @Test
  void anOfferSurvivesItsEncoding() {
    Wire.Offer o = new Wire.Offer(Wire.VERSION, CHUNK, List.of(new Wire.Entry("d", true, 0, 0755, new byte[32]),
        new Wire.Entry("d/ü.txt", false, 12345678901L, 0600, Wire.sha256().digest(new byte[0]))));
    byte[] p = Wire.payload(o);
    Wire.Offer back = Wire.offer(p, p.length);
    assertEquals(o.id(), back.id());
    assertEquals("d/ü.txt", back.entries().get(1).name());
    assertEquals(12345678901L, back.entries().get(1).size());
    assertThrows(io.warren.api.ProtocolException.class, () -> Wire.offer(p, p.length - 1));
  }

  @Test
  void aBlake3OfferIsVerifiedWithBlake3AndAnOlderReceiverGetsSha256() throws Exception {
    byte[] content = random(3 * CHUNK + 17, 11);
    Path file = Files.write(dir.resolve("b3.bin"), content);
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    Sources.Built built = Sources.build(List.of(file), null, CHUNK, Hash.BLAKE3);
    assertEquals(Wire.VERSION_HASHES, built.offer().version());
    assertEquals(List.of(Hash.BLAKE3, Hash.SHA256), built.offer().hashes());
    assertEquals(built.offer().id(), Sources.build(List.of(file), null, CHUNK).offer().id(),
        "one transfer whichever hash verifies it");

    Outcome o = transfer(inbox, built, Integer.MAX_VALUE, (offer, live, f) -> null);
    assertEquals("done", o.received().state, o.received().detail);
    String blake3 = java.util.HexFormat.of().formatHex(digest(Hash.BLAKE3, content));
    assertEquals(List.of("blake3", blake3), List.of(o.received().hash, o.received().checksum));
    assertEquals(List.of("blake3", blake3), List.of(o.sent().hash, o.sent().checksum));
    assertArrayEquals(content, Files.readAllBytes(inbox.resolve("b3.bin")));

    // a chunk whose BLAKE3 is wrong is refused like one whose SHA-256 is
    byte[] other = content.clone();
    other[CHUNK + 1] ^= 1;
    Path changed = Files.write(dir.resolve("changed.bin"), other);
    Wire.Entry e = Sources.build(List.of(file), null, CHUNK, Hash.BLAKE3).offer().entries().get(0);
    Wire.Entry lie = new Wire.Entry("changed.bin", false, e.size(), e.mode(), e.sha256(), e.blake3());
    Outcome liar = transfer(inbox, new Sources.Built(new Wire.Offer(Wire.VERSION_HASHES, CHUNK,
        List.of(Hash.BLAKE3, Hash.SHA256), List.of(lie)), List.of(changed)), Integer.MAX_VALUE, (x, l, f) -> null);
    assertEquals("failed", liar.received().state);
    assertTrue(liar.received().detail.contains("does not match the BLAKE3"), liar.received().detail);

    // a receiver that speaks version 1 only aborts the offer: the sender is told to offer SHA-256
    IoFrames[] p = pipe();
    p[1].send(Wire.ABORT, Wire.abort("files: offer of version 2 (this node speaks 1)"));
    Live live = new Live(built.offer().id(), true, PEER, "b3.bin", 1, content.length, "starting");
    assertThrows(Sender.OlderReceiver.class, () -> new Sender(built, p[0], live, b -> {}, 1000, 1000).run());
    Path older = Files.createDirectories(dir.resolve("older"));
    Outcome fallback = transfer(older, built.sha256Only(), Integer.MAX_VALUE, (x, l, f) -> null);
    assertEquals("done", fallback.received().state, fallback.received().detail);
    assertEquals(List.of("sha256", java.util.HexFormat.of().formatHex(digest(Hash.SHA256, content))),
        List.of(fallback.sent().hash, fallback.sent().checksum));
    assertEquals(1, Wire.payload(built.sha256Only().offer())[1], "what a version 1 receiver reads");
  }

  @Test
  void theHashesOfAnOfferAreChecked() {
    byte[] d = new byte[32];
    List<Wire.Entry> one = List.of(new Wire.Entry("f", false, 1, 0644, d, d));
    byte[] p = Wire.payload(new Wire.Offer(Wire.VERSION_HASHES, CHUNK, List.of(Hash.BLAKE3, Hash.SHA256), one));
    assertEquals(List.of(Hash.BLAKE3, Hash.SHA256), Wire.offer(p, p.length).hashes());
    byte[] noSha = Wire.payload(new Wire.Offer(Wire.VERSION_HASHES, CHUNK, List.of(Hash.BLAKE3), one));
    var e = assertThrows(io.warren.api.ProtocolException.class, () -> Wire.offer(noSha, noSha.length));
    assertTrue(e.getMessage().contains("without SHA-256"), e.getMessage());
    // an answer may only pick what was offered
    Wire.Offer sha = new Wire.Offer(Wire.VERSION_HASHES, CHUNK, List.of(Hash.SHA256), one);
    byte[] a = Wire.payload(new Wire.Answer(true, "", new long[1], Hash.BLAKE3), Wire.VERSION_HASHES);
    e = assertThrows(io.warren.api.ProtocolException.class, () -> Wire.answer(a, a.length, sha));
    assertTrue(e.getMessage().contains("not offered"), e.getMessage());
  }

  @Test
  void blake3IsBouncyCastlesAndTheSameFromHeapAndDirectBuffers() {
    assertEquals("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
        java.util.HexFormat.of().formatHex(digest(Hash.BLAKE3, new byte[0])));
    assertEquals("6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
        java.util.HexFormat.of().formatHex(digest(Hash.BLAKE3, "abc".getBytes(StandardCharsets.US_ASCII))));
    byte[] big = random(200_000, 3);
    for (Hash h : Hash.values()) {
      Hash.Hasher d = h.hasher();
      java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(big.length).put(big).flip();
      d.update(direct);
      assertArrayEquals(digest(h, big), d.digest(), h.label);
    }
  }

  private static byte[] digest(Hash h, byte[] content) {
    Hash.Hasher d = h.hasher();
    d.update(content, 0, content.length);
    return d.digest();
  }
}
