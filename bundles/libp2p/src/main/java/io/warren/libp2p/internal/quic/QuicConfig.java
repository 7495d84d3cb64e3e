package io.warren.libp2p.internal.quic;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.tls.Libp2pCertificate;
import io.warren.libp2p.internal.tls.Libp2pKeyManager;
import io.warren.libp2p.internal.tls.Libp2pTrustManager;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * libp2p's QUIC transport ({@code /quic-v1}, libp2p/specs quic/README.md) as Netty's QUIC codec
 * (quiche with BoringSSL) runs it: QUIC v1 (RFC 9000), TLS 1.3 with ALPN {@value #ALPN} only, the
 * libp2p certificate ({@link Libp2pCertificate}) both ways, the client's required, each checked by
 * {@link Libp2pTrustManager}; which peer that is gets checked once the handshake completed
 * ({@link #peerKey}). No Noise and no Yamux: each libp2p stream is one bidirectional QUIC stream.
 *
 * <p>Bounds: a peer may open {@code maxStreams} bidirectional streams at once (QUIC's stream
 * limit, raised as streams end) and no unidirectional ones; it may have {@value #STREAM_WINDOW}
 * bytes unread per stream and {@value #CONNECTION_WINDOW} per connection (QUIC flow control, which
 * holds the sender when a reader with auto-read off is slow). The server sends no Retry (the codec's default, as
 * go-libp2p): before the client's address is validated, RFC 9000's anti-amplification limit
 * (three times what it sent) bounds what a spoofed Initial can make us send.
 */
public final class QuicConfig {

  /** The one ALPN protocol of libp2p over QUIC. */
  public static final String ALPN = "libp2p";
  static final long STREAM_WINDOW = 1L << 20;
  static final long CONNECTION_WINDOW = 8L << 20;

  private final QuicSslContext client;
  private final QuicSslContext server;

  /** A fresh libp2p certificate for {@code identity}. */
  public QuicConfig(LocalIdentity identity) {
    this(Libp2pCertificate.generate(identity));
  }

  /** QUIC with {@code certificate} (the host shares one with TCP's TLS). */
  public QuicConfig(Libp2pCertificate certificate) {
    this(certificate, ALPN);
  }

  /** {@code alpn}: anything but {@value #ALPN} only to show that a peer offering it is refused (tests). */
  QuicConfig(Libp2pCertificate certificate, String alpn) {
    Libp2pKeyManager keys = new Libp2pKeyManager(certificate);
    this.server = QuicSslContextBuilder.forServer(keys, null)
        .applicationProtocols(alpn).clientAuth(ClientAuth.REQUIRE).trustManager(Libp2pTrustManager.INSTANCE)
        .earlyData(false).build();
    this.client = QuicSslContextBuilder.forClient().keyManager(keys, null)
        .applicationProtocols(alpn).trustManager(Libp2pTrustManager.INSTANCE)
        .earlyData(false).build();
  }

  /** Whether Netty's QUIC native library (quiche) loaded here. */
  public static boolean isAvailable() {
    try {
      return Quic.isAvailable();
    } catch (LinkageError e) { // the codec's classes are not installed
      return false;
    }
  }

  /** Why QUIC cannot run here, or null where it can. */
  public static String unavailability() {
    try {
      return Quic.isAvailable() ? null : String.valueOf(Quic.unavailabilityCause());
    } catch (LinkageError e) {
      return "Netty's QUIC codec is missing: " + e;
    }
  }

  /**
   * The codec of a listening UDP socket: each QUIC connection gets {@code connectionHandler}, each
   * stream the peer opens {@code streamHandler} (half-closure allowed: a FIN is end of input).
   */
  public ChannelHandler serverCodec(int maxStreams, Duration idleTimeout, ChannelHandler connectionHandler,
      ChannelHandler streamHandler) {
    return limits(new QuicServerCodecBuilder(), maxStreams, idleTimeout).sslContext(server)
        .handler(connectionHandler)
        .streamHandler(streamHandler)
        .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .build();
  }

  /** The codec of a dialling UDP socket; each dial brings its own handlers ({@code QuicChannel.newBootstrap}). */
  public ChannelHandler clientCodec(int maxStreams, Duration idleTimeout) {
    return limits(new QuicClientCodecBuilder(), maxStreams, idleTimeout).sslContext(client).build();
  }

  private static <B extends QuicCodecBuilder<B>> B limits(B b, int maxStreams, Duration idleTimeout) {
    return b.maxIdleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .initialMaxData(CONNECTION_WINDOW)
        .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
        .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
        .initialMaxStreamsBidirectional(maxStreams)
        .initialMaxStreamsUnidirectional(0);
  }

  /**
   * The peer's host key from the certificate it presented in {@code ch}'s completed handshake
   * (verified again: the trust manager's verdict is not carried over).
   */
  public static Libp2pPublicKey peerKey(QuicChannel ch) throws CertificateException {
    try {
      return Libp2pCertificate.verify(ch.sslEngine().getSession().getPeerCertificates(), Instant.now());
    } catch (SSLPeerUnverifiedException e) {
      throw new CertificateException("libp2p quic: the peer presented no certificate", e);
    }
  }
}
