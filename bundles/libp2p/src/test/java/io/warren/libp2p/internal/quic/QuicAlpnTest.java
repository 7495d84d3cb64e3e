package io.warren.libp2p.internal.quic;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.Future;
import io.warren.libp2p.internal.TestHosts;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.tls.Libp2pCertificate;
import io.warren.testing.TestEventLoops;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host's QUIC listener completes handshakes only with ALPN {@value QuicConfig#ALPN}: the same
 * client with the libp2p certificate gets through with it and is refused with {@code h3}.
 */
class QuicAlpnTest {
  private static final TestEventLoops LOOPS = new TestEventLoops();
  private static Host host;

  @BeforeAll
  static void start() {
    Assumptions.assumeTrue(QuicConfig.isAvailable(), "Netty's QUIC native library does not load here: "
        + QuicConfig.unavailability());
    host =
        TestHosts.start(LOOPS, Ed25519Identity.generate(), TestHosts.config().withQuic(true), new ProtocolRegistry());
  }

  @AfterAll
  static void stop() {
    if (host != null) {
      host.close();
    }
    LOOPS.close();
  }

  private static boolean handshake(String alpn) throws Exception {
    QuicConfig config = new QuicConfig(Libp2pCertificate.generate(Ed25519Identity.generate()), alpn);
    Channel udp = new Bootstrap().group(LOOPS.group()).channel(LOOPS.datagramChannel())
        .handler(config.clientCodec(16, Duration.ofSeconds(5))).bind(0).sync().channel();
    try {
      Multiaddr q = host.listenAddresses().stream().filter(m -> m.toString().endsWith("/quic-v1")).findFirst()
          .orElseThrow();
      int port = Integer.parseInt(q.components().get(1).valueText());
      Future<QuicChannel> f = QuicChannel.newBootstrap(udp).handler(new ChannelInboundHandlerAdapter())
          .streamHandler(new ChannelInboundHandlerAdapter()).remoteAddress(new InetSocketAddress("127.0.0.1", port))
          .connect();
      f.await(20, TimeUnit.SECONDS);
      assertTrue(f.isDone(), "the handshake ended one way or the other");
      if (f.isSuccess()) {
        f.getNow().close().sync();
      }
      return f.isSuccess();
    } finally {
      udp.close().sync();
    }
  }

  @Test
  void libp2pIsTheOnlyAlpn() throws Exception {
    assertTrue(handshake(QuicConfig.ALPN), "a client offering libp2p completes the handshake");
    assertFalse(handshake("h3"), "a client offering only h3 is refused");
  }
}
