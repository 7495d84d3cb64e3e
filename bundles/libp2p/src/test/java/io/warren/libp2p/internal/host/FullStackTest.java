package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.multistream.MultistreamHandler;
import io.warren.libp2p.internal.noise.NoiseConfig;
import io.warren.libp2p.internal.tls.TlsConfig;
import io.warren.testing.TestEventLoops;
import io.warren.yamux.YamuxConfig;
import io.warren.yamux.YamuxFrame;
import io.warren.yamux.YamuxSession;
import io.warren.yamux.YamuxStreamChannel;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The parts composed over real TCP on loopback: multistream-select picks /noise, Noise secures the
 * connection and (optionally) picks the muxer inline, otherwise multistream-select picks
 * /yamux/1.0.0, then each Yamux stream selects /echo/1.0.0 lazily. The connection wiring is the
 * production {@link Upgrader}; only the stream handlers are test code.
 */
class FullStackTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String ECHO = "/echo/1.0.0";
  private static final String SPLICE_ECHO = "/splice-echo/1.0.0";
  private static final List<String> NOISE = List.of(NoiseConfig.PROTOCOL_ID);
  private static final List<String> TLS = List.of(TlsConfig.PROTOCOL_ID);
  private static final List<String> BOTH = List.of(TlsConfig.PROTOCOL_ID, NoiseConfig.PROTOCOL_ID);

  /** Per test: closing the loops closes what a test left open. */
  private final TestEventLoops loops = new TestEventLoops();

  @AfterEach
  void stop() {
    loops.close();
  }

  /** Echoes a stream back and half-closes when the peer has. */
  @ChannelHandler.Sharable
  static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        ((YamuxStreamChannel) ctx.channel()).closeWrite();
      }
    }
  }

  /** Echo with read-after-write backpressure: AUTO_READ off, next read when the last write completed. */
  @ChannelHandler.Sharable
  static final class SpliceEcho extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.channel().config().setAutoRead(false);
      ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.writeAndFlush(msg).addListener(f -> {
        if (f.isSuccess()) {
          ctx.read();
        } else {
          ctx.close();
        }
      });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        ((YamuxStreamChannel) ctx.channel()).closeWrite();
      }
    }
  }

  /**
   * The production upgrader speaking {@code security} (in that order) with Noise and TLS configs
   * offering {@code muxers} in the handshake (empty: multistream-select picks yamux).
   */
  private static Upgrader upgrader(Ed25519Identity id, List<String> security, List<String> muxers,
      ChannelHandler streamInit) {
    return new Upgrader(security, new NoiseConfig(id, muxers),
        CompletableFuture.completedFuture(new TlsConfig(id, muxers)), YamuxConfig.DEFAULT,
        TIMEOUT, streamInit,
        (ch, session, secured, outbound) -> new Connection(ch, Muxer.yamux(session), secured.remotePeer(),
            secured.remoteKey(), secured.security(), outbound,
            TcpAddresses.toMultiaddr((InetSocketAddress) ch.remoteAddress()), false));
  }

  private Channel listen(Ed25519Identity id, List<String> muxers) {
    return listen(id, NOISE, muxers);
  }

  private Channel listen(Ed25519Identity id, List<String> security, List<String> muxers) {
    ChannelHandler streamInit = new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(MultistreamHandler.listener(List.of(ECHO, SPLICE_ECHO),
            (ctx, p) -> ctx.pipeline().addLast(ECHO.equals(p) ? new Echo() : new SpliceEcho()), TIMEOUT));
      }
    };
    Upgrader upgrader = upgrader(id, security, muxers, streamInit);
    return new ServerBootstrap().group(loops.group()).channel(loops.serverSocketChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            upgrader.install(ch, false, null);
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
  }

  private YamuxSession dial(Channel server, Ed25519Identity id, List<String> muxers, PeerId expected) throws Exception {
    return yamux(connect(server, id, NOISE, muxers, expected).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
  }

  /** A new identity's connection to {@code server}, once upgraded. */
  private Connection connected(Channel server, List<String> security, List<String> muxers, PeerId expected)
      throws Exception {
    return connect(server, Ed25519Identity.generate(), security, muxers, expected)
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private CompletableFuture<Connection> connect(Channel server, Ed25519Identity id, List<String> security,
      List<String> muxers, PeerId expected) {
    Upgrader upgrader = upgrader(id, security, muxers, new ChannelInboundHandlerAdapter());
    CompletableFuture<Connection> connection = new CompletableFuture<>();
    new Bootstrap().group(loops.group()).channel(loops.socketChannel())
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            upgrader.install(ch, true, expected).whenComplete((c, e) -> {
              if (e != null) {
                connection.completeExceptionally(e);
              } else {
                connection.complete(c);
              }
            });
          }
        })
        .connect(server.localAddress()).syncUninterruptibly();
    return connection;
  }

  /** Sends {@code data} on a new echo stream, half-closes, and returns what came back. */
  static YamuxSession yamux(Connection c) {
    return ((Muxer.YamuxMuxer) c.muxer()).session();
  }

  private static byte[] echo(YamuxSession session, byte[] data) throws Exception {
    return echo(session, ECHO, data);
  }

  private static byte[] echo(YamuxSession session, String protocol, byte[] data) throws Exception {
    CompletableFuture<byte[]> back = new CompletableFuture<>();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    ChannelHandler init = new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(MultistreamHandler.lazyDialer(protocol, (ctx, p) -> ctx.pipeline().addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext c, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                got.writeBytes(ByteBufUtil.getBytes(b));
                b.release();
              }

              @Override
              public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                  back.complete(got.toByteArray());
                }
              }

              @Override
              public void channelInactive(ChannelHandlerContext c) {
                back.complete(got.toByteArray());
              }
            }), TIMEOUT));
      }
    };
    YamuxStreamChannel stream = session.openStream(init).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    for (int off = 0; off < data.length; off += 100_000) {
      stream.write(Unpooled.wrappedBuffer(data, off, Math.min(100_000, data.length - off)));
    }
    stream.flush();
    stream.closeWrite();
    return back.get(TIMEOUT.toSeconds() * 3, TimeUnit.SECONDS);
  }

  @Test
  void echoOverNoiseAndYamuxWithTheMuxerChosenInTheHandshake() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Channel server = listen(serverId, List.of(YamuxFrame.PROTOCOL_ID));
    YamuxSession session = dial(server, Ed25519Identity.generate(), List.of(YamuxFrame.PROTOCOL_ID),
        serverId.peerId());
    byte[] data = new byte[5 * 1024 * 1024];
    new Random(3).nextBytes(data);
    assertArrayEquals(data, echo(session, data));
    assertTrue(session.ping().get(10, TimeUnit.SECONDS).toNanos() >= 0);
  }

  @Test
  void spliceStyleEchoWithBackpressureMovesEveryByte() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Channel server = listen(serverId, List.of(YamuxFrame.PROTOCOL_ID));
    YamuxSession session = dial(server, Ed25519Identity.generate(), List.of(YamuxFrame.PROTOCOL_ID), null);
    byte[] data = new byte[20 * 1024 * 1024];
    new Random(5).nextBytes(data);
    assertArrayEquals(data, echo(session, SPLICE_ECHO, data));
  }

  @Test
  void echoWithTheMuxerChosenByMultistreamSelect() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Channel server = listen(serverId, List.of());
    YamuxSession session = dial(server, Ed25519Identity.generate(), List.of(), serverId.peerId());
    byte[] small = "hello over yamux".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(small, echo(session, small));
    assertArrayEquals(small, echo(session, small));
  }

  @Test
  void garbageClosesOnlyThatConnection() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Channel server = listen(serverId, List.of(YamuxFrame.PROTOCOL_ID));
    YamuxSession good = dial(server, Ed25519Identity.generate(), List.of(YamuxFrame.PROTOCOL_ID), serverId.peerId());
    InetSocketAddress addr = (InetSocketAddress) server.localAddress();
    try (Socket bad = new Socket(addr.getAddress(), addr.getPort())) {
      bad.setSoTimeout((int) TIMEOUT.toMillis());
      OutputStream out = bad.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: warren\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n"
          + "Connection: keep-alive\r\nX-Padding: 0123456789\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = bad.getInputStream();
      assertEquals(-1, in.read(), "the server closes a connection that sends garbage");
    }
    byte[] small = "still fine".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(small, echo(good, small));
  }

  @Test
  void echoOverTlsWithTheMuxerChosenByAlpn() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Channel server = listen(serverId, BOTH, List.of(YamuxFrame.PROTOCOL_ID));
    Connection c = connected(server, BOTH, List.of(YamuxFrame.PROTOCOL_ID), serverId.peerId());
    assertEquals(TlsConfig.PROTOCOL_ID, c.security(), "TLS is preferred when both sides speak it");
    assertEquals(serverId.peerId(), c.remotePeer());
    byte[] data = new byte[5 * 1024 * 1024];
    new Random(7).nextBytes(data);
    assertArrayEquals(data, echo(yamux(c), data));
    assertArrayEquals(data, echo(yamux(c), SPLICE_ECHO, data));
    // the connection counted what crossed it: both echoes each way, plus TLS and Yamux framing
    assertTrue(c.bytesOut() > 2L * data.length && c.bytesIn() > 2L * data.length,
        "out " + c.bytesOut() + ", in " + c.bytesIn());
    assertTrue(c.bytesOut() < 3L * data.length && c.bytesIn() < 3L * data.length,
        "framing is not counted twice: out " + c.bytesOut() + ", in " + c.bytesIn());
  }

  @Test
  void echoOverTlsWithTheMuxerChosenByMultistreamSelect() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Channel server = listen(serverId, TLS, List.of());
    Connection c = connected(server, TLS, List.of(), serverId.peerId());
    assertEquals(TlsConfig.PROTOCOL_ID, c.security());
    byte[] small = "hello over tls".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(small, echo(yamux(c), small));
  }

  @Test
  void noiseOnlyPeersStillConnectEitherWay() throws Exception {
    Ed25519Identity noiseOnly = Ed25519Identity.generate();
    Channel noiseServer = listen(noiseOnly, NOISE, List.of(YamuxFrame.PROTOCOL_ID));
    Connection out = connected(noiseServer, BOTH, List.of(YamuxFrame.PROTOCOL_ID), noiseOnly.peerId());
    assertEquals(NoiseConfig.PROTOCOL_ID, out.security(), "a TLS-first dialler falls back to Noise");

    Ed25519Identity both = Ed25519Identity.generate();
    Channel bothServer = listen(both, BOTH, List.of(YamuxFrame.PROTOCOL_ID));
    Connection in = connected(bothServer, NOISE, List.of(YamuxFrame.PROTOCOL_ID), both.peerId());
    assertEquals(NoiseConfig.PROTOCOL_ID, in.security(), "a listener speaking both accepts a Noise-only dialler");
    byte[] small = "noise".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(small, echo(yamux(out), small));
    assertArrayEquals(small, echo(yamux(in), small));
  }

  @Test
  void tlsDiallerRefusesAnotherPeerThanTheOneItMeantAndTheServerGoesOn() throws Exception {
    Ed25519Identity serverId = Ed25519Identity.generate();
    Channel server = listen(serverId, TLS, List.of(YamuxFrame.PROTOCOL_ID));
    PeerId someoneElse = Ed25519Identity.generate().peerId();
    CompletableFuture<Connection> wrong = connect(server, Ed25519Identity.generate(), TLS,
        List.of(YamuxFrame.PROTOCOL_ID), someoneElse);
    java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.ExecutionException.class, () -> wrong.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("expected " + someoneElse), e.getCause().getMessage());
    Connection right = connected(server, TLS, List.of(YamuxFrame.PROTOCOL_ID), serverId.peerId());
    byte[] small = "still fine".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(small, echo(yamux(right), small));
  }
}
