package io.warren.libp2p.internal.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.ProtocolException;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.crypto.KeyType;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.crypto.TestIdentities;
import io.warren.testing.Wire;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class NoiseHandlerTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String YAMUX = "/yamux/1.0.0";

  private final Ed25519Identity alice = Ed25519Identity.generate();
  private final Ed25519Identity bob = Ed25519Identity.generate();

  /** Collects plaintext and user events behind the Noise handler. */
  static final class Sink extends ChannelInboundHandlerAdapter {
    final ByteBuf received = Unpooled.buffer();
    final List<Object> events = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      received.writeBytes(b);
      b.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      events.add(evt);
    }
  }

  private static EmbeddedChannel channel(NoiseHandler h, Sink sink) {
    return new EmbeddedChannel(new NoiseFrameDecoder(), h, sink);
  }

  private static String error(NoiseHandler h) {
    try {
      h.handshakeResult().join();
      return null;
    } catch (CompletionException e) {
      assertTrue(e.getCause() instanceof ProtocolException, e.getCause().toString());
      return e.getCause().getMessage();
    }
  }

  @Test
  void handshakeAuthenticatesBothSidesAndSelectsTheMuxerInline() {
    NoiseHandler i = NoiseHandler.initiator(new NoiseConfig(alice, List.of(YAMUX)), bob.peerId(), TIMEOUT);
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of("/mplex/6.7.0", YAMUX)), TIMEOUT);
    Sink si = new Sink();
    Sink sr = new Sink();
    EmbeddedChannel a = channel(i, si);
    EmbeddedChannel b = channel(r, sr);
    // written before the handshake completes: must wait and leave encrypted afterwards
    a.writeAndFlush(Unpooled.copiedBuffer("early hello", StandardCharsets.US_ASCII));
    Wire.pump(a, b);

    NoiseSession atAlice = i.handshakeResult().join();
    NoiseSession atBob = r.handshakeResult().join();
    assertEquals(bob.peerId(), atAlice.remotePeer());
    assertEquals(alice.peerId(), atBob.remotePeer());
    assertEquals(List.of("/mplex/6.7.0", YAMUX), atAlice.remoteMuxers());
    assertEquals(Optional.of(YAMUX), atAlice.muxer());
    assertEquals(Optional.of(YAMUX), atBob.muxer());
    assertEquals(List.of(atAlice), si.events);
    assertEquals("early hello", Wire.ascii(sr.received));

    byte[] big = new byte[200_000]; // 4 frames: 3 full (65519 bytes) and the rest
    new Random(7).nextBytes(big);
    b.writeAndFlush(Unpooled.wrappedBuffer(big));
    ByteBuf wire = Wire.drainOutbound(b);
    assertEquals(big.length + 4 * (2 + 16), wire.readableBytes());
    assertEquals(NoiseFrameDecoder.MAX_FRAME_LENGTH, wire.getUnsignedShort(0));
    a.writeInbound(wire);
    assertEquals(Unpooled.wrappedBuffer(big), si.received);
    assertTrue(a.isOpen() && b.isOpen());
  }

  @Test
  void rsaAndSecp256k1PeersAreAuthenticated() throws Exception {
    for (LocalIdentity other : List.of(TestIdentities.rsa(), TestIdentities.secp256k1())) {
      NoiseHandler i = NoiseHandler.initiator(new NoiseConfig(alice, List.of()), other.peerId(), TIMEOUT);
      NoiseHandler r = NoiseHandler.responder(new NoiseConfig(other, List.of()), TIMEOUT);
      Wire.pump(channel(i, new Sink()), channel(r, new Sink()));
      NoiseSession s = i.handshakeResult().join();
      assertEquals(other.peerId(), s.remotePeer());
      assertEquals(other.publicKey().type(), s.remoteKey().type());
      assertEquals(alice.peerId(), r.handshakeResult().join().remotePeer());
    }
    assertEquals(KeyType.RSA, TestIdentities.rsa().publicKey().type());
  }

  @Test
  void muxerListsWithoutOverlapFailTheHandshake() {
    NoiseHandler i = NoiseHandler.initiator(new NoiseConfig(alice, List.of("/mplex/6.7.0")), null, TIMEOUT);
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of(YAMUX)), TIMEOUT);
    EmbeddedChannel a = channel(i, new Sink());
    EmbeddedChannel b = channel(r, new Sink());
    Wire.pump(a, b);
    assertEquals("noise: no common stream muxer (initiator [/mplex/6.7.0], responder [/yamux/1.0.0])", error(i));
    assertEquals("noise: no common stream muxer (initiator [/mplex/6.7.0], responder [/yamux/1.0.0])", error(r));
    assertFalse(a.isOpen() || b.isOpen());
  }

  @Test
  void initiatorPreferenceDecides() {
    NoiseHandler i = NoiseHandler.initiator(new NoiseConfig(alice, List.of(YAMUX, "/mplex/6.7.0")), null, TIMEOUT);
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of("/mplex/6.7.0", YAMUX)), TIMEOUT);
    Wire.pump(channel(i, new Sink()), channel(r, new Sink()));
    assertEquals(Optional.of(YAMUX), i.handshakeResult().join().muxer());
    assertEquals(Optional.of(YAMUX), r.handshakeResult().join().muxer());
  }

  @Test
  void noInlineMuxerWhenOneSideAdvertisesNone() {
    NoiseHandler i = NoiseHandler.initiator(new NoiseConfig(alice, List.of()), null, TIMEOUT);
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of(YAMUX)), TIMEOUT);
    Wire.pump(channel(i, new Sink()), channel(r, new Sink()));
    assertEquals(Optional.empty(), i.handshakeResult().join().muxer());
    assertEquals(Optional.empty(), r.handshakeResult().join().muxer());
    assertEquals(List.of(), r.handshakeResult().join().remoteMuxers());
  }

  @Test
  void tamperedCiphertextClosesTheConnection() {
    NoiseHandler i = NoiseHandler.initiator(new NoiseConfig(alice, List.of()), null, TIMEOUT);
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of()), TIMEOUT);
    Sink sr = new Sink();
    EmbeddedChannel a = channel(i, new Sink());
    EmbeddedChannel b = channel(r, sr);
    Wire.pump(a, b);
    a.writeAndFlush(Unpooled.copiedBuffer("attack at dawn", StandardCharsets.US_ASCII));
    ByteBuf frame = Wire.drainOutbound(a);
    frame.setByte(5, frame.getByte(5) ^ 0x20);
    b.writeInbound(frame);
    assertFalse(b.isOpen());
    assertEquals(0, sr.received.readableBytes());
    assertTrue(a.isOpen());
  }

  @Test
  void wrongPeerIsRefusedByTheDialer() {
    Ed25519Identity someoneElse = Ed25519Identity.generate();
    NoiseHandler i = NoiseHandler.initiator(new NoiseConfig(alice, List.of()), someoneElse.peerId(), TIMEOUT);
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of()), TIMEOUT);
    EmbeddedChannel a = channel(i, new Sink());
    Wire.pump(a, channel(r, new Sink()));
    assertEquals("noise: remote peer is " + bob.peerId() + ", expected " + someoneElse.peerId(), error(i));
    assertFalse(a.isOpen());
  }

  @Test
  void signatureOverAnotherStaticKeyIsRefused() {
    X25519.KeyPair used = X25519.generate();
    X25519.KeyPair signed = X25519.generate();
    byte[] payload = new NoiseHandshakePayload(bob.publicKey().toProtobuf(),
        bob.sign(NoiseConfig.concat(NoiseConfig.STATIC_KEY_SIGNATURE_PREFIX, signed.publicKey())), List.of(),
        List.of()).encode();
    NoiseHandler i = NoiseHandler.initiator(new NoiseConfig(alice, List.of()), null, TIMEOUT);
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, used, List.of(), payload), TIMEOUT);
    EmbeddedChannel a = channel(i, new Sink());
    Wire.pump(a, channel(r, new Sink()));
    assertEquals("noise: identity signature over the static key does not verify (peer " + bob.peerId() + ")", error(i));
    assertFalse(a.isOpen());
  }

  @Test
  void truncatedFrameIsReportedWhenTheConnectionEnds() {
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of()), TIMEOUT);
    EmbeddedChannel b = channel(r, new Sink());
    b.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x00, 0x20, 1, 2, 3}));
    assertTrue(b.isOpen());
    b.pipeline().fireChannelInactive();
    assertEquals("noise: connection ended inside a frame (truncated frame, 3 of 32 bytes)", error(r));
  }

  @Test
  void garbageInsteadOfAHandshakeClosesTheConnection() {
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of()), TIMEOUT);
    EmbeddedChannel b = channel(r, new Sink());
    b.writeInbound(Unpooled.copiedBuffer("\u0000\u0005hello", StandardCharsets.US_ASCII));
    assertEquals("noise: message 1 truncated (5 bytes, at least 32 expected)", error(r));
    assertFalse(b.isOpen());
  }

  @Test
  void writesQueuedDuringAFailedHandshakeFail() {
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of()), TIMEOUT);
    EmbeddedChannel b = channel(r, new Sink());
    ChannelFuture f = b.writeAndFlush(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII));
    assertFalse(f.isDone());
    b.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x00, 0x01, 0x00}));
    assertTrue(f.cause() instanceof ProtocolException);
  }

  @Test
  void aHandshakeThatNeverCompletesTimesOutAndClosesTheConnection() {
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of(YAMUX)), Duration.ofMillis(1));
    EmbeddedChannel b = channel(r, new Sink()); // the initiator's first message never comes
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (b.isOpen() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      b.runScheduledPendingTasks();
    }
    assertFalse(b.isOpen());
    assertEquals("noise: handshake timed out after 1 ms", error(r));
  }

  @Test
  void aCompletedHandshakeIsNotCutShortByItsTimeout() {
    NoiseHandler i =
        NoiseHandler.initiator(new NoiseConfig(alice, List.of(YAMUX)), bob.peerId(), Duration.ofMillis(50));
    NoiseHandler r = NoiseHandler.responder(new NoiseConfig(bob, List.of(YAMUX)), Duration.ofMillis(50));
    EmbeddedChannel a = channel(i, new Sink());
    EmbeddedChannel b = channel(r, new Sink());
    Wire.pump(a, b);
    assertEquals(null, error(i));
    long until = System.nanoTime() + 200_000_000L;
    while (System.nanoTime() < until) {
      a.runScheduledPendingTasks();
      b.runScheduledPendingTasks();
    }
    assertTrue(a.isOpen() && b.isOpen(), "the timer was cancelled when the handshake completed");
  }
}
