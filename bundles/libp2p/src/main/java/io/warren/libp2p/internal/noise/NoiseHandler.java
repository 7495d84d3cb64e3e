package io.warren.libp2p.internal.noise;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.PeerId;
import io.warren.api.ProtocolException;
import io.warren.libp2p.internal.Deadline;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.crypto.AEADBadTagException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * noise-libp2p over a channel: runs the XX handshake on the frames of a {@link NoiseFrameDecoder}
 * placed before it, authenticates the remote identity (signature over the Noise static key,
 * optionally the expected peer id), then decrypts inbound frames into plaintext buffers and
 * encrypts outbound buffers into frames, splitting plaintext above {@link #MAX_PLAINTEXT} bytes.
 * Writes made during the handshake wait and leave, encrypted, once it completes.
 *
 * <p>On success a {@link NoiseSession} is fired as a user event (before any decrypted byte) and
 * completes {@link #handshakeResult()}. Any failure (bad handshake, bad signature, wrong peer, a
 * tampered or truncated frame) closes the channel with a log line that says why.
 */
public final class NoiseHandler extends ChannelDuplexHandler {

  public static final String FRAME_DECODER_NAME = "noise-frame";
  public static final String HANDLER_NAME = "noise";
  /** Largest plaintext per transport message: 65535 minus the 16-byte tag. */
  public static final int MAX_PLAINTEXT = NoiseFrameDecoder.MAX_FRAME_LENGTH - CipherState.TAG_LENGTH;

  private static final Logger LOG = LoggerFactory.getLogger(NoiseHandler.class);

  private enum State {
    HANDSHAKE, TRANSPORT, FAILED
  }

  private record PendingWrite(Object msg, ChannelPromise promise) {}

  private final NoiseConfig config;
  private final HandshakeState handshake;
  private final PeerId expectedRemote;
  private final Deadline deadline;
  private final CompletableFuture<NoiseSession> result = new CompletableFuture<>();
  private final ArrayDeque<PendingWrite> pending = new ArrayDeque<>();
  private State state = State.HANDSHAKE;
  private CipherState sender;
  private CipherState receiver;
  private long framesIn;

  private NoiseHandler(NoiseConfig config, boolean initiator, PeerId expectedRemote, Duration timeout) {
    this.config = config;
    this.handshake = new HandshakeState(initiator, new byte[0], config.staticKey(), null);
    this.expectedRemote = expectedRemote;
    this.deadline = new Deadline(timeout);
  }

  /** What encrypts transport messages: OpenSSL's ChaCha20-Poly1305 when it loaded, else Java's (and why). */
  public static String transportCipher() {
    return NativeAead.DESCRIPTION;
  }

  /** The dialer's side; {@code expectedRemote} (nullable) is the peer we meant to reach. */
  public static NoiseHandler initiator(NoiseConfig config, PeerId expectedRemote, Duration timeout) {
    return new NoiseHandler(config, true, expectedRemote, timeout);
  }

  /** The listener's side. */
  public static NoiseHandler responder(NoiseConfig config, Duration timeout) {
    return new NoiseHandler(config, false, null, timeout);
  }

  /** Adds the frame decoder and {@code handler} after {@code baseName} (e.g. from a multistream Selection). */
  public static void addAfter(ChannelPipeline pipeline, String baseName, NoiseHandler handler) {
    pipeline.addAfter(baseName, FRAME_DECODER_NAME, new NoiseFrameDecoder());
    pipeline.addAfter(FRAME_DECODER_NAME, HANDLER_NAME, handler);
  }

  public CompletableFuture<NoiseSession> handshakeResult() {
    return result;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
    super.channelActive(ctx);
  }

  private void start(ChannelHandlerContext ctx) {
    if (!deadline.start(ctx, () -> fail(ctx, "noise: handshake timed out after " + deadline.millis() + " ms", null))) {
      return;
    }
    if (handshake.isInitiator()) {
      sendHandshake(ctx, new byte[0]); // -> e (libp2p sends no payload in message 1)
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    framesIn++;
    try {
      switch (state) {
        case HANDSHAKE -> onHandshakeFrame(ctx, ByteBufUtil.getBytes(frame));
        case TRANSPORT -> onTransportFrame(ctx, frame);
        default -> {
        }
      }
    } finally {
      frame.release();
    }
  }

  private void onHandshakeFrame(ChannelHandlerContext ctx, byte[] message) {
    if (handshake.isMyTurn()) {
      fail(ctx, "noise: unexpected handshake message " + framesIn + " while waiting to send", null);
      return;
    }
    byte[] payload;
    try {
      payload = handshake.readMessage(message);
    } catch (AEADBadTagException e) {
      fail(ctx, "noise: handshake message failed to decrypt (tampered, or not noise-libp2p)", e);
      return;
    } catch (GeneralSecurityException | RuntimeException e) {
      fail(ctx, e.getMessage() != null && e.getMessage().startsWith("noise:") ? e.getMessage()
          : "noise: bad handshake message: " + e, e);
      return;
    }
    if (handshake.remoteStatic() == null) { // responder got message 1
      sendHandshake(ctx, config.payload());
      return;
    }
    NoiseHandshakePayload remote;
    Libp2pPublicKey remoteKey;
    try {
      remote = NoiseHandshakePayload.decode(payload);
      remoteKey = Libp2pPublicKey.fromProtobuf(remote.identityKey());
    } catch (IllegalArgumentException e) {
      fail(ctx, e.getMessage().startsWith("noise:") ? e.getMessage() : "noise: bad handshake payload: "
          + e.getMessage(), e);
      return;
    }
    byte[] signed = NoiseConfig.concat(NoiseConfig.STATIC_KEY_SIGNATURE_PREFIX, handshake.remoteStatic());
    if (!remoteKey.verify(signed, remote.identitySig())) {
      fail(ctx, "noise: identity signature over the static key does not verify (peer "
          + remoteKey.peerId() + ")", null);
      return;
    }
    PeerId remotePeer = remoteKey.peerId();
    if (expectedRemote != null && !expectedRemote.equals(remotePeer)) {
      fail(ctx, "noise: remote peer is " + remotePeer + ", expected " + expectedRemote, null);
      return;
    }
    if (handshake.isInitiator()) {
      sendHandshake(ctx, config.payload()); // -> s, se
      if (state == State.FAILED) {
        return;
      }
    }
    complete(ctx, remotePeer, remoteKey, remote.streamMuxers());
  }

  private void sendHandshake(ChannelHandlerContext ctx, byte[] payload) {
    byte[] message;
    try {
      message = handshake.writeMessage(payload);
    } catch (GeneralSecurityException | RuntimeException e) {
      fail(ctx, "noise: cannot write handshake message: " + e.getMessage(), e);
      return;
    }
    ByteBuf out = ctx.alloc().buffer(NoiseFrameDecoder.LENGTH_FIELD + message.length);
    out.writeShort(message.length).writeBytes(message);
    ctx.writeAndFlush(out);
  }

  private void complete(ChannelHandlerContext ctx, PeerId remotePeer, Libp2pPublicKey remoteKey,
      List<String> remoteMuxers) {
    List<String> initiatorMuxers = handshake.isInitiator() ? config.muxers() : remoteMuxers;
    List<String> responderMuxers = handshake.isInitiator() ? remoteMuxers : config.muxers();
    Optional<String> muxer = initiatorMuxers.stream().filter(responderMuxers::contains).findFirst();
    if (muxer.isEmpty() && !initiatorMuxers.isEmpty() && !responderMuxers.isEmpty()) {
      // inlined-muxer-negotiation spec: both advertised muxers without overlap: the handshake MUST fail
      fail(ctx, "noise: no common stream muxer (initiator " + initiatorMuxers + ", responder "
          + responderMuxers + ")", null);
      return;
    }
    CipherState[] ciphers = handshake.split();
    sender = ciphers[0];
    receiver = ciphers[1];
    state = State.TRANSPORT;
    deadline.cancel();
    NoiseSession session = new NoiseSession(remotePeer, remoteKey, handshake.isInitiator(), remoteMuxers, muxer);
    LOG.debug("[{}] noise: secured with {} (muxer in handshake: {})", ctx.channel().id(), remotePeer,
        muxer.orElse("none"));
    ctx.fireUserEventTriggered(session);
    result.complete(session);
    boolean wrote = false;
    while (!pending.isEmpty() && state == State.TRANSPORT) {
      PendingWrite w = pending.poll();
      encryptAndWrite(ctx, w.msg(), w.promise());
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
    }
  }

  private void onTransportFrame(ChannelHandlerContext ctx, ByteBuf frame) {
    int len = frame.readableBytes();
    if (len < CipherState.TAG_LENGTH) {
      fail(ctx, "noise: transport frame of " + len + " bytes is shorter than the 16-byte tag", null);
      return;
    }
    ByteBuf plain = ctx.alloc().directBuffer(len - CipherState.TAG_LENGTH);
    try {
      receiver.decrypt(frame, plain);
    } catch (GeneralSecurityException e) {
      plain.release();
      fail(ctx, "noise: transport frame " + framesIn + " failed to decrypt (tampered or corrupted)", e);
      return;
    }
    ctx.fireChannelRead(plain);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    switch (state) {
      case TRANSPORT -> encryptAndWrite(ctx, msg, promise);
      case HANDSHAKE -> pending.add(new PendingWrite(msg, promise));
      default -> {
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new ProtocolException("noise: channel failed"));
      }
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (state != State.HANDSHAKE) {
      ctx.flush();
    }
  }

  private void encryptAndWrite(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.write(msg, promise);
      return;
    }
    try {
      int len = in.readableBytes();
      if (len == 0) {
        ctx.write(in.retain(), promise);
        return;
      }
      int frames = (len + MAX_PLAINTEXT - 1) / MAX_PLAINTEXT;
      ByteBuf out = ctx.alloc().directBuffer(len + frames * (NoiseFrameDecoder.LENGTH_FIELD + CipherState.TAG_LENGTH));
      try {
        while (in.isReadable()) {
          int n = Math.min(in.readableBytes(), MAX_PLAINTEXT);
          out.writeShort(n + CipherState.TAG_LENGTH);
          sender.encrypt(in, in.readerIndex(), n, out); // composite pieces are read in place
          in.skipBytes(n);
        }
      } catch (GeneralSecurityException e) {
        out.release();
        promise.tryFailure(e);
        fail(ctx, "noise: encryption failed: " + e.getMessage(), e);
        return;
      }
      ctx.write(out, promise);
    } finally {
      in.release();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolException || state == State.HANDSHAKE) {
      fail(ctx, cause instanceof ProtocolException ? cause.getMessage() : "noise: " + cause, cause);
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    deadline.cancel();
    closeCiphers();
    if (state == State.HANDSHAKE) {
      state = State.FAILED;
      result.completeExceptionally(new ProtocolException("noise: connection closed during the handshake"));
    }
    failPending(new ProtocolException("noise: connection closed"));
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    deadline.cancel();
    closeCiphers();
    failPending(new ProtocolException("noise: handler removed"));
  }

  private void fail(ChannelHandlerContext ctx, String reason, Throwable cause) {
    if (state == State.FAILED) {
      return;
    }
    boolean duringHandshake = state == State.HANDSHAKE;
    state = State.FAILED;
    deadline.cancel();
    LOG.warn("[{}] {}; closing connection to {}", ctx.channel().id(), reason, ctx.channel().remoteAddress());
    ProtocolException e = new ProtocolException(reason, cause);
    if (duringHandshake) {
      result.completeExceptionally(e);
    }
    failPending(e);
    ctx.close();
  }

  /** The connection is gone: free the ciphers' native state; later writes fail as on a failed channel. */
  private void closeCiphers() {
    if (state == State.TRANSPORT) {
      state = State.FAILED;
    }
    if (sender != null) {
      sender.close();
      receiver.close();
    }
  }

  private void failPending(Throwable cause) {
    PendingWrite w;
    while ((w = pending.poll()) != null) {
      ReferenceCountUtil.release(w.msg());
      w.promise().tryFailure(cause);
    }
  }

}
