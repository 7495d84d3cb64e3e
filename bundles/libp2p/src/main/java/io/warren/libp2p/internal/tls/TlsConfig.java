package io.warren.libp2p.internal.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/**
 * What every libp2p TLS connection of this node shares: the certificate (a P-256 key made at start,
 * carrying this node's signed host key) and the client and server contexts built on it, TLS 1.3
 * only, the peer's certificate required both ways and checked by {@link Libp2pTrustManager}.
 * ALPN offers the muxers first, then {@value #ALPN_LIBP2P} (early muxer negotiation, as go-libp2p
 * and js-libp2p do). The engine is OpenSSL (BoringSSL from netty-tcnative-boringssl-static, AES-GCM
 * with the CPU's AES instructions) where it loads, else the JDK's; {@code -Dwarren.tls.native=false}
 * forces the JDK.
 */
public final class TlsConfig {

  /** multistream-select protocol id of libp2p TLS. */
  public static final String PROTOCOL_ID = "/tls/1.0.0";
  /** The ALPN protocol every libp2p TLS endpoint offers; selected, it leaves the muxer to multistream-select. */
  public static final String ALPN_LIBP2P = "libp2p";

  private static final String TLS13 = "TLSv1.3";
  private static final SslProvider PROVIDER;
  private static final String DESCRIPTION;

  static {
    boolean wanted = !"false".equalsIgnoreCase(System.getProperty("warren.tls.native", "true"));
    boolean openssl = false;
    String why;
    try {
      openssl = wanted && OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL);
      why = !wanted ? "-Dwarren.tls.native=false"
          : !OpenSsl.isAvailable() ? "netty-tcnative did not load: " + OpenSsl.unavailabilityCause()
              : "OpenSSL without TLS 1.3";
    } catch (LinkageError e) { // netty-tcnative's classes not installed
      why = "netty-tcnative missing: " + e;
    }
    PROVIDER = openssl ? SslProvider.OPENSSL : SslProvider.JDK;
    DESCRIPTION = openssl ? OpenSsl.versionString() + " through netty-tcnative (native)"
        : "the JDK (" + why + ")";
  }

  private final Libp2pCertificate certificate;
  private final List<String> muxers;
  private final SslContext client;
  private final SslContext server;

  /** A fresh certificate for {@code identity}; {@code muxers} are offered by ALPN before {@value #ALPN_LIBP2P}. */
  public TlsConfig(LocalIdentity identity, List<String> muxers) {
    this(Libp2pCertificate.generate(identity), muxers, PROVIDER);
  }

  /** TLS with {@code certificate} (the host shares one with QUIC). */
  public TlsConfig(Libp2pCertificate certificate, List<String> muxers) {
    this(certificate, muxers, PROVIDER);
  }

  TlsConfig(Libp2pCertificate certificate, List<String> muxers, SslProvider provider) {
    this.certificate = certificate;
    this.muxers = List.copyOf(muxers);
    List<String> alpn = new ArrayList<>(muxers);
    alpn.add(ALPN_LIBP2P);
    ApplicationProtocolConfig protocols = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn);
    try {
      // OpenSSL keeps the key and chain it was given once, instead of encoding them at each handshake
      Libp2pKeyManager keys = new Libp2pKeyManager(certificate);
      KeyManagerFactory keyFactory = provider == SslProvider.JDK ? new KeyManagerFactoryWrapper(keys)
          : new OpenSslCachingX509KeyManagerFactory(new KeyManagerFactoryWrapper(keys));
      this.client = SslContextBuilder.forClient().keyManager(keyFactory)
          .sslProvider(provider).protocols(TLS13).trustManager(Libp2pTrustManager.INSTANCE)
          .applicationProtocolConfig(protocols).build();
      this.server = SslContextBuilder.forServer(keyFactory)
          .sslProvider(provider).protocols(TLS13).clientAuth(ClientAuth.REQUIRE)
          .trustManager(Libp2pTrustManager.INSTANCE).applicationProtocolConfig(protocols).build();
    } catch (SSLException e) {
      throw new IllegalStateException("libp2p tls: cannot set up TLS 1.3 with " + provider + ": " + e.getMessage(), e);
    }
  }

  /** What runs TLS: OpenSSL through netty-tcnative when it loaded, else the JDK (and why). */
  public static String engine() {
    return DESCRIPTION;
  }

  /** Whether TLS runs on OpenSSL (else on the JDK, which cannot read js-libp2p's certificates). */
  public static boolean isNative() {
    return PROVIDER == SslProvider.OPENSSL;
  }

  /** The provider new configs use (tests compare both). */
  static SslProvider defaultProvider() {
    return PROVIDER;
  }

  public List<String> muxers() {
    return muxers;
  }

  Libp2pCertificate certificate() {
    return certificate;
  }

  SslContext context(boolean initiator) {
    return initiator ? client : server;
  }
}
