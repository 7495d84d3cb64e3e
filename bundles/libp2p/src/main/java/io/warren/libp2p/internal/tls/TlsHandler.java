package io.warren.libp2p.internal.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.warren.api.PeerId;
import io.warren.api.ProtocolException;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libp2p TLS over a channel: Netty's {@link SslHandler} runs the TLS 1.3 handshake (certificates
 * checked by {@link Libp2pTrustManager}), and this handler, right after it, names the peer from
 * the certificate's host key once the handshake completed, checks it is the peer a dialler meant
 * to reach, and fires a {@link TlsSession} (before any decrypted byte goes further).
 *
 * <p>Any failure (handshake, refused certificate, wrong peer, timeout) closes the channel with a
 * log line that says why and fails {@link #handshakeResult()}.
 */
public final class TlsHandler extends ChannelInboundHandlerAdapter {

  public static final String SSL_HANDLER_NAME = "tls";
  public static final String HANDLER_NAME = "tls-session";

  private static final Logger LOG = LoggerFactory.getLogger(TlsHandler.class);

  private final boolean initiator;
  private final PeerId expectedRemote;
  private final CompletableFuture<TlsSession> result = new CompletableFuture<>();

  private TlsHandler(boolean initiator, PeerId expectedRemote) {
    this.initiator = initiator;
    this.expectedRemote = expectedRemote;
  }

  /**
   * Adds the TLS engine and the handler after {@code baseName} (e.g. from a multistream Selection)
   * and returns the handler; {@code expectedRemote} (nullable) is the peer a dialler meant to reach.
   */
  public static TlsHandler addAfter(ChannelPipeline pipeline, String baseName, TlsConfig config, boolean initiator,
      PeerId expectedRemote, Duration timeout) {
    SslHandler ssl = config.context(initiator).newHandler(pipeline.channel().alloc());
    ssl.setHandshakeTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    // Each write is encrypted as it is (records of up to 16 KiB, several per wrap), never gathered
    // with the next one into a 16 KiB copy first: Yamux writes whole frames of up to 64 KiB, and
    // the gathering copied a quarter of the bytes we send (a frame's tail with the next's head).
    ssl.setWrapDataSize(0);
    TlsHandler handler = new TlsHandler(initiator, expectedRemote);
    pipeline.addAfter(baseName, SSL_HANDLER_NAME, ssl);
    pipeline.addAfter(SSL_HANDLER_NAME, HANDLER_NAME, handler);
    return handler;
  }

  public CompletableFuture<TlsSession> handshakeResult() {
    return result;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (!(evt instanceof SslHandshakeCompletionEvent done)) {
      super.userEventTriggered(ctx, evt);
      return;
    }
    if (!done.isSuccess()) {
      fail(ctx, "libp2p tls: handshake failed: " + reason(done.cause()), done.cause());
      return;
    }
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    SSLSession session = ssl.engine().getSession();
    Libp2pPublicKey key;
    try {
      key = Libp2pCertificate.verify(session.getPeerCertificates(), Instant.now());
    } catch (CertificateException | SSLException e) {
      fail(ctx, reason(e), e);
      return;
    }
    PeerId peer = key.peerId();
    if (expectedRemote != null && !expectedRemote.equals(peer)) {
      fail(ctx, "libp2p tls: peer is " + peer + ", expected " + expectedRemote, null);
      return;
    }
    String alpn = ssl.applicationProtocol();
    Optional<String> muxer = alpn == null || alpn.equals(TlsConfig.ALPN_LIBP2P) ? Optional.empty()
        : Optional.of(alpn);
    TlsSession secured = new TlsSession(peer, key, initiator, muxer, session.getCipherSuite());
    LOG.debug("[{}] libp2p tls: {} with {} by {}, muxer {}", ctx.channel().id(), session.getCipherSuite(), peer,
        ssl.engine().getClass().getSimpleName(), muxer.orElse("by multistream-select"));
    result.complete(secured);
    ctx.fireUserEventTriggered(secured);
    ctx.pipeline().remove(this);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!result.isDone()) {
      fail(ctx, "libp2p tls: " + reason(cause), cause);
    } else if (result.isCompletedExceptionally()) {
      ctx.close(); // already said why
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    result.completeExceptionally(new ProtocolException("libp2p tls: connection closed during the handshake"));
    super.channelInactive(ctx);
  }

  private void fail(ChannelHandlerContext ctx, String reason, Throwable cause) {
    if (result.completeExceptionally(new ProtocolException(reason, cause))) {
      LOG.warn("[{}] {}; closing connection to {}", ctx.channel().id(), reason, ctx.channel().remoteAddress());
    }
    ctx.close();
  }

  /** The most telling message in a cause chain: our certificate check's, else the outermost. */
  static String reason(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && c.getMessage().startsWith("libp2p tls:")) {
        return c.getMessage();
      }
    }
    Throwable top = t instanceof io.netty.handler.codec.DecoderException && t.getCause() != null ? t.getCause() : t;
    return String.valueOf(top);
  }
}
