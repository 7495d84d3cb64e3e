package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.deploy.DeployException;
import io.warren.testing.StreamProbes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The target's side of an upload, fed bytes through an EmbeddedChannel. */
class UploadReaderTest {
  private static final String PEER = "12D3KooWPusher";
  private static final byte[] JAR = "pretend this is a jar".getBytes(StandardCharsets.UTF_8);

  @TempDir Path staging;
  private Uploads uploads;
  private final AtomicReference<byte[]> deployed = new AtomicReference<>();
  private final CompletableFuture<String> outcome = new CompletableFuture<>();

  @BeforeEach
  void uploads() {
    uploads = new Uploads(Clock.systemUTC(), staging);
  }

  private EmbeddedChannel channel(String peer) {
    return channel(peer, true);
  }

  private EmbeddedChannel channel(String peer, boolean offsets) {
    EmbeddedChannel ch = new EmbeddedChannel();
    Stream stream = StreamProbes.over(ch, new PeerRef(PeerRef.LIBP2P, peer), DeployService.PROTOCOL);
    ch.pipeline()
        .addLast(new UploadReader(stream, offsets, token -> uploads.attach(token, peer), u -> uploads.detached(u
            .token()), u -> {
              try {
                deployed.set(uploads.whole(u));
              } catch (DeployException e) {
                return CompletableFuture.failedFuture(e);
              }
              return outcome;
            }));
    return ch;
  }

  /** A first stream of {@code token}'s upload that brings 5 bytes and drops. */
  private void dropAfterFiveBytes(String token) {
    EmbeddedChannel first = channel(PEER);
    first.writeInbound(Unpooled.copiedBuffer(token + "\n", StandardCharsets.US_ASCII), Unpooled
        .wrappedBuffer(JAR, 0, 5));
    assertEquals("offset 0\n", answer(first));
    first.close();
  }

  /** Everything written out on {@code ch} so far, as text. */
  static String answer(EmbeddedChannel ch) {
    ch.runPendingTasks();
    StringBuilder b = new StringBuilder();
    for (ByteBuf out; (out = ch.readOutbound()) != null;) {
      b.append(out.toString(StandardCharsets.UTF_8));
      out.release();
    }
    return b.toString();
  }

  private String token() {
    return uploads.issue(PEER, JAR.length, Deployments.sha256(JAR), false).token();
  }

  @Test
  void theTokenLineThenTheBytesInAnyPiecesReachDeployAndTheAnswerGoesBack() {
    String token = token();
    EmbeddedChannel ch = channel(PEER);
    byte[] all = bytes((token + "\n").getBytes(StandardCharsets.US_ASCII), JAR);
    for (int at = 0; at < all.length; at += 7) {
      ch.writeInbound(Unpooled.wrappedBuffer(all, at, Math.min(7, all.length - at)));
    }
    assertArrayEquals(JAR, deployed.get());
    assertEquals("offset 0\nreceived\n", answer(ch),
        "the offset, then that every byte is here, before the deployment ends");
    outcome.complete("io.example 1.0.0 ACTIVE");
    assertEquals("ok\nio.example 1.0.0 ACTIVE\n", answer(ch));
    assertFalse(ch.isOpen());
  }

  @Test
  void aFailedDeploymentIsAnsweredAsFailedWithItsReason() {
    EmbeddedChannel ch = channel(PEER);
    ch.writeInbound(Unpooled.wrappedBuffer(bytes((token() + "\n").getBytes(StandardCharsets.US_ASCII), JAR)));
    outcome.completeExceptionally(new DeployException("refused: unsigned"));
    assertEquals("offset 0\nreceived\nfailed\nrefused: unsigned\n", answer(ch));
  }

  @Test
  void aTokenIssuedToAnotherPeerIsRefusedAndStaysUnused() {
    String token = token();
    EmbeddedChannel stranger = channel("12D3KooWStranger");
    stranger.writeInbound(Unpooled.wrappedBuffer(bytes((token + "\n").getBytes(StandardCharsets.US_ASCII), JAR)));
    assertTrue(answer(stranger).startsWith("failed\nrefused: no live upload"));
    assertNull(deployed.get());
    assertTrue(uploads.attach(token, PEER).isPresent(), "the pusher's token is still there");
  }

  @Test
  void aDroppedUploadResumesOnANewStreamWithOnlyTheRest() {
    String token = token();
    dropAfterFiveBytes(token);
    EmbeddedChannel stranger = channel("12D3KooWStranger");
    stranger.writeInbound(Unpooled.copiedBuffer(token + "\n", StandardCharsets.US_ASCII));
    assertTrue(answer(stranger).startsWith("failed\nrefused: no live upload"), "nobody else resumes it");
    EmbeddedChannel second = channel(PEER);
    second.writeInbound(Unpooled.copiedBuffer(token + "\n", StandardCharsets.US_ASCII));
    assertEquals("offset 5\n", answer(second));
    second.writeInbound(Unpooled.wrappedBuffer(JAR, 5, JAR.length - 5));
    assertArrayEquals(JAR, deployed.get());
    outcome.complete("io.example 1.0.0 ACTIVE");
    assertEquals("received\nok\nio.example 1.0.0 ACTIVE\n", answer(second));
  }

  @Test
  void aPusherOfTheOlderVersionHearsNoOffsetAndItsBytesStartOver() {
    String token = token();
    dropAfterFiveBytes(token);
    // a 1.0.0 pusher sends the whole artifact after its token line, whatever is held already
    EmbeddedChannel old = channel(PEER, false);
    old.writeInbound(Unpooled.wrappedBuffer(bytes((token + "\n").getBytes(StandardCharsets.US_ASCII), JAR)));
    assertArrayEquals(JAR, deployed.get(), "the held bytes were dropped, not prepended");
    outcome.complete("io.example 1.0.0 ACTIVE");
    assertEquals("ok\nio.example 1.0.0 ACTIVE\n", answer(old));
  }

  @Test
  void aTokenIsGoodForOneUploadOnly() {
    String token = token();
    channel(PEER).writeInbound(Unpooled.wrappedBuffer(bytes((token + "\n").getBytes(StandardCharsets.US_ASCII),
        JAR)));
    EmbeddedChannel again = channel(PEER);
    again.writeInbound(Unpooled.copiedBuffer(token + "\n", StandardCharsets.US_ASCII));
    assertTrue(answer(again).startsWith("failed\nrefused: no live upload"));
  }

  @Test
  void bytesOtherThanAnnouncedAreRefused() {
    EmbeddedChannel ch = channel(PEER);
    byte[] other = JAR.clone();
    other[0] ^= 1;
    ch.writeInbound(Unpooled.wrappedBuffer(bytes((token() + "\n").getBytes(StandardCharsets.US_ASCII), other)));
    assertEquals("offset 0\nreceived\nfailed\nrefused: the bytes received do not have the announced SHA-256\n",
        answer(ch));
    assertNull(deployed.get());
  }

  @Test
  void moreBytesThanAnnouncedAreRefused() {
    EmbeddedChannel ch = channel(PEER);
    ch.writeInbound(Unpooled.wrappedBuffer(bytes((token() + "\n").getBytes(StandardCharsets.US_ASCII), JAR,
        new byte[] {1})));
    assertEquals("offset 0\nfailed\nrefused: more bytes than the " + JAR.length + " announced\n", answer(ch));
    assertNull(deployed.get());
  }

  @Test
  void aLineLongerThanATokenIsRefused() {
    EmbeddedChannel ch = channel(PEER);
    ch.writeInbound(Unpooled.copiedBuffer("x".repeat(100), StandardCharsets.US_ASCII));
    assertEquals("failed\nrefused: no upload token line\n", answer(ch));
    assertFalse(ch.isOpen());
  }

  private static byte[] bytes(byte[]... parts) {
    return io.netty.buffer.ByteBufUtil.getBytes(Unpooled.wrappedBuffer(parts));
  }
}
