package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.multistream.Multistream;
import io.warren.libp2p.internal.multistream.MultistreamHandler;
import io.warren.libp2p.internal.noise.NoiseConfig;
import io.warren.libp2p.internal.noise.NoiseHandler;
import io.warren.libp2p.internal.noise.NoiseSession;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.TestEventLoops;
import io.warren.yamux.YamuxFrame;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile libp2p input against a node process: each bad connection is closed with one clear log
 * line; the node and a well-behaved connection opened before all of it go on working.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Libp2pBadInputTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir static Path dir;
  private NodeProcess node;
  private InetSocketAddress address;
  private PeerId peerId;
  private final TestEventLoops loops = new TestEventLoops(1);
  private Secured good;

  /** A connection secured with Noise (yamux chosen in the handshake) whose plaintext the test writes itself. */
  record Secured(Channel channel, LinkedBlockingQueue<ByteBuf> received) {
    void send(ByteBuf plaintext) {
      channel.writeAndFlush(plaintext);
    }

    boolean closedWithin(Duration d) {
      return channel.closeFuture().awaitUninterruptibly(d.toMillis());
    }

    /** Sends a Yamux ping and waits for the matching ACK: proves Noise and Yamux still work end to end. */
    void yamuxPing(int opaque) throws InterruptedException {
      received.clear();
      send(header(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, opaque));
      ByteBuf all = Unpooled.buffer();
      Await.until(TIMEOUT, () -> {
        ByteBuf b;
        while ((b = received.poll()) != null) {
          all.writeBytes(b);
          b.release();
        }
        for (int i = 0; i + 12 <= all.writerIndex(); i += 12 + (all.getByte(i + 1) == 0 ? all.getInt(i + 8) : 0)) {
          if (all.getByte(i + 1) == YamuxFrame.TYPE_PING && (all.getShort(i + 2) & YamuxFrame.FLAG_ACK) != 0
              && all.getInt(i + 8) == opaque) {
            return true;
          }
        }
        return false;
      }, "the yamux ping ACK for " + opaque);
    }
  }

  static ByteBuf header(int type, int flags, int stream, long length) {
    ByteBuf b = Unpooled.buffer(12);
    YamuxFrame.writeHeader(b, type, flags, stream, length);
    return b;
  }

  @BeforeAll
  void startNode() throws Exception {
    node = NodeProcess.start(NodeProcess.installation(dir), dir.resolve("data"));
    node.awaitReady();
    String addr = node.client("p2p:addrs").out().strip(); // /ip4/127.0.0.1/tcp/<port>/p2p/<id>
    String[] parts = addr.split("/");
    address = new InetSocketAddress(parts[2], Integer.parseInt(parts[4]));
    peerId = PeerId.parse(parts[6]);
    good = secure();
    good.yamuxPing(1);
  }

  @AfterAll
  void stop() throws Exception {
    loops.close();
    if (node != null) {
      node.stop();
    }
  }

  private Secured secure() throws Exception {
    CompletableFuture<Secured> done = new CompletableFuture<>();
    LinkedBlockingQueue<ByteBuf> received = new LinkedBlockingQueue<>();
    NoiseConfig noise = new NoiseConfig(Ed25519Identity.generate(), List.of(YamuxFrame.PROTOCOL_ID));
    new Bootstrap().group(loops.group()).channel(loops.socketChannel()).handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast("mss", MultistreamHandler.dialer(List.of(NoiseConfig.PROTOCOL_ID), (ctx, p) -> {
          NoiseHandler.addAfter(ctx.pipeline(), ctx.name(), NoiseHandler.initiator(noise, peerId, TIMEOUT));
          ctx.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext c, Object evt) {
              if (evt instanceof NoiseSession s) {
                assertEquals(YamuxFrame.PROTOCOL_ID, s.muxer().orElse(null), "yamux chosen inside the handshake");
                done.complete(new Secured(c.channel(), received));
              }
            }

            @Override
            public void channelRead(ChannelHandlerContext c, Object msg) {
              received.add((ByteBuf) msg);
            }
          });
        }, TIMEOUT));
      }
    }).connect(address).addListener(f -> {
      if (!f.isSuccess()) {
        done.completeExceptionally(f.cause());
      }
    });
    return done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private void assertLogged(String line) throws InterruptedException {
    Await.until(TIMEOUT, () -> node.err().contains(line), "the log line '" + line + "'");
  }

  private void assertNodeAndGoodConnectionGoOn(int opaque) throws Exception {
    assertTrue(good.channel().isActive(), "the well-behaved connection is still open");
    good.yamuxPing(opaque);
    NodeProcess.Result info = node.client("p2p:addrs");
    assertEquals(0, info.exit(), info.toString());
  }

  @Test
  void garbageInsteadOfMultistream() throws Exception {
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      s.setSoTimeout((int) TIMEOUT.toMillis());
      s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: warren\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n"
          + "Connection: keep-alive\r\n\r\n").getBytes(StandardCharsets.US_ASCII)); // 'G' reads as length 71
      assertEquals(-1, drain(s.getInputStream()), "the node closes the connection");
    }
    assertLogged("garbage or not multistream-select");
    assertNodeAndGoodConnectionGoOn(2);
  }

  @Test
  void truncatedNoiseFrame() throws Exception {
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      s.setSoTimeout((int) TIMEOUT.toMillis());
      OutputStream out = s.getOutputStream();
      ByteBuf hello = Multistream.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, Multistream.PROTOCOL_ID,
          NoiseConfig.PROTOCOL_ID);
      byte[] b = new byte[hello.readableBytes()];
      hello.readBytes(b);
      hello.release();
      out.write(b);
      out.write(new byte[] {0x00, 0x20, 1, 2, 3, 4, 5}); // announces 32 bytes, sends 5
      out.flush();
      s.shutdownOutput();
      assertEquals(-1, drain(s.getInputStream()));
    }
    assertLogged("noise: connection ended inside a frame (truncated frame, 5 of 32 bytes)");
    assertNodeAndGoodConnectionGoOn(3);
  }

  @Test
  void yamuxFrameWithUnknownType() throws Exception {
    Secured bad = secure();
    bad.send(header(7, 0, 1, 0));
    assertTrue(bad.closedWithin(TIMEOUT), "the node closes that connection");
    assertLogged("yamux: unknown frame type 7 (expected 0-3)");
    assertNodeAndGoodConnectionGoOn(4);
  }

  @Test
  void yamuxWindowOverflow() throws Exception {
    Secured bad = secure();
    int tooMuch = 256 * 1024 + 1;
    ByteBuf frame = header(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1, tooMuch);
    bad.send(Unpooled.wrappedBuffer(frame, Unpooled.wrappedBuffer(new byte[tooMuch])));
    assertTrue(bad.closedWithin(TIMEOUT), "the node closes that connection");
    assertLogged("yamux: window overflow: stream 1 announced a 262145-byte data frame");
    assertNodeAndGoodConnectionGoOn(5);
  }

  @Test
  void yamuxStreamIdReuse() throws Exception {
    Secured bad = secure();
    bad.send(header(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 3, 0));
    bad.send(header(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 3, 0));
    assertTrue(bad.closedWithin(TIMEOUT), "the node closes that connection");
    assertLogged("yamux: stream id 3 reused while the stream is open");
    assertNodeAndGoodConnectionGoOn(6);
  }

  private static int drain(InputStream in) throws java.io.IOException {
    int r;
    while ((r = in.read()) >= 0) {
      // the node may answer the multistream header before it closes
    }
    return r;
  }
}
