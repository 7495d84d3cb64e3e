package io.warren.libp2p.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.testing.TestEventLoops;
import io.warren.yamux.YamuxFrame;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The libp2p TLS handshake over loopback between OpenSSL (netty-tcnative) and the JDK in each
 * combination, and the refusals a peer's bad certificate or identity gets, which close only that
 * connection.
 */
class TlsHandlerTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final List<String> MUXERS = List.of(YamuxFrame.PROTOCOL_ID);

  private final TestEventLoops loops = new TestEventLoops();
  private final LinkedBlockingQueue<CompletableFuture<TlsSession>> accepted = new LinkedBlockingQueue<>();

  @AfterEach
  void stop() {
    loops.close();
  }

  private Channel listen(TlsConfig config) {
    return new ServerBootstrap().group(loops.group()).channel(loops.serverSocketChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("base", new io.netty.channel.ChannelInboundHandlerAdapter());
            accepted.add(TlsHandler.addAfter(ch.pipeline(), "base", config, false, null, TIMEOUT).handshakeResult());
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
  }

  private CompletableFuture<TlsSession> dial(Channel server, TlsConfig config, PeerId expected) {
    CompletableFuture<TlsSession> result = new CompletableFuture<>();
    new Bootstrap().group(loops.group()).channel(loops.socketChannel())
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("base", new io.netty.channel.ChannelInboundHandlerAdapter());
            TlsHandler.addAfter(ch.pipeline(), "base", config, true, expected, TIMEOUT).handshakeResult()
                .whenComplete((s, e) -> {
                  if (e != null) {
                    result.completeExceptionally(e);
                  } else {
                    result.complete(s);
                  }
                });
          }
        })
        .connect(server.localAddress()).syncUninterruptibly();
    return result;
  }

  private static TlsConfig config(Ed25519Identity id, SslProvider provider) {
    return new TlsConfig(Libp2pCertificate.generate(id), MUXERS, provider);
  }

  /** A certificate naming {@code named}'s key, its extension signed by {@code signer}, valid from {@code from} to {@code to}. */
  private static Libp2pCertificate certificate(LocalIdentity named, LocalIdentity signer, Instant from, Instant to) {
    KeyPair key = Libp2pCertificate.p256();
    return Libp2pCertificate.selfSigned(key, "SHA256withECDSA", X9ObjectIdentifiers.ecdsa_with_SHA256, from, to,
        List.of(Libp2pCertificate.extension(named.publicKey().toProtobuf(),
            signer.sign(Libp2pCertificate.signedData(key.getPublic().getEncoded())))));
  }

  private static String failure(CompletableFuture<?> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    return e.getCause().getMessage();
  }

  @Test
  void openSslAndTheJdkHandshakeWithEachOtherEveryWay() throws Exception {
    Assumptions.assumeTrue(OpenSsl.isAvailable(),
        "netty-tcnative does not load here: " + OpenSsl.unavailabilityCause());
    assertEquals(SslProvider.OPENSSL, TlsConfig.defaultProvider(), "OpenSSL is the default where it loads");
    for (SslProvider server : List.of(SslProvider.OPENSSL, SslProvider.JDK)) {
      for (SslProvider client : List.of(SslProvider.OPENSSL, SslProvider.JDK)) {
        Ed25519Identity serverId = Ed25519Identity.generate();
        Ed25519Identity clientId = Ed25519Identity.generate();
        Channel listener = listen(config(serverId, server));
        TlsSession out = dial(listener, config(clientId, client), serverId.peerId())
            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        TlsSession in = accepted.take().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String pair = client + " -> " + server;
        assertEquals(serverId.peerId(), out.remotePeer(), pair);
        assertEquals(clientId.peerId(), in.remotePeer(), pair);
        assertEquals(java.util.Optional.of(YamuxFrame.PROTOCOL_ID), out.muxer(), pair + ": muxer by ALPN");
        assertEquals(out.muxer(), in.muxer(), pair);
        assertTrue(out.cipherSuite().startsWith("TLS_AES_") && out.cipherSuite().contains("GCM"),
            pair + ": " + out.cipherSuite());
        listener.close().syncUninterruptibly();
      }
    }
  }

  @Test
  void anExpiredServerCertificateIsRefusedByTheClient() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Instant now = Instant.now();
    Libp2pCertificate expired = certificate(serverId, serverId, now.minus(Duration.ofDays(2)),
        now.minus(Duration.ofDays(1)));
    Channel listener = listen(new TlsConfig(expired, MUXERS, TlsConfig.defaultProvider()));
    String why = failure(dial(listener, config(Ed25519Identity.generate(), TlsConfig.defaultProvider()), null));
    assertTrue(why.contains("libp2p tls: certificate expired"), why);
  }

  @Test
  void aClientWhoseCertificateSignatureIsWrongIsRefusedAndTheServerGoesOn() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Channel listener = listen(config(serverId, TlsConfig.defaultProvider()));
    Instant now = Instant.now();
    Libp2pCertificate forged = certificate(Ed25519Identity.generate(), Ed25519Identity.generate(),
        now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    dial(listener, new TlsConfig(forged, MUXERS, TlsConfig.defaultProvider()), serverId.peerId());
    String why = failure(accepted.take());
    assertTrue(why.contains("does not verify"), why);

    Ed25519Identity honest = Ed25519Identity.generate();
    TlsSession ok = dial(listener, config(honest, TlsConfig.defaultProvider()), serverId.peerId())
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(serverId.peerId(), ok.remotePeer());
    assertEquals(honest.peerId(), accepted.take().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).remotePeer());
  }

  @Test
  void theDiallerRefusesAPeerItDidNotMeanToReach() {
    Channel listener = listen(config(Ed25519Identity.generate(), TlsConfig.defaultProvider()));
    PeerId meant = Ed25519Identity.generate().peerId();
    String why = failure(dial(listener, config(Ed25519Identity.generate(), TlsConfig.defaultProvider()), meant));
    assertTrue(why.contains("expected " + meant), why);
  }
}
