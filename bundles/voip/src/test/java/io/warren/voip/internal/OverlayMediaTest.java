package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.testing.Await;
import io.warren.testing.FakeDirectory;
import io.warren.testing.StreamProbes;
import io.warren.testing.TestEventLoops;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A call's overlay media between two {@link OverlayMedia}s on loopback UDP, their streams in-memory
 * (Netty local channels) handed out by a directory that answers "relayed" until a direct path
 * appears, as after DCUtR; the callee's side is served by {@link MediaStreams}.
 */
class OverlayMediaTest {
  private static final String ID = "0123456789abcdef";
  private static final PeerRef CALLER = new PeerRef("libp2p", "caller");
  private static final PeerRef CALLEE = new PeerRef("libp2p", "callee");
  private final TestEventLoops loops = new TestEventLoops(1);
  private final DefaultEventLoopGroup local = new DefaultEventLoopGroup(2);
  private final PortPairs ports = new PortPairs(loops, "127.0.0.1", 45200, 10);
  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<Stream> opened = new ArrayList<>();
  private volatile boolean direct;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    local.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    loops.close();
  }

  private OverlayMedia media(PeerRef peer, InetSocketAddress endpoint, int queue, int kbps) throws Exception {
    OverlayMedia[] holder = new OverlayMedia[1];
    Channel[] udp = ports.bind(loops.group().next(), () -> OverlayMedia.endpointHandler(MediaFrames.RTP, holder),
        () -> OverlayMedia.endpointHandler(MediaFrames.RTCP, holder), "test");
    holder[0] = new OverlayMedia(ID, peer, udp, endpoint, queue, kbps, System::nanoTime);
    open.add(holder[0]);
    holder[0].codec("pcmu");
    return holder[0];
  }

  private static Stream stream(Channel ch, PeerRef peer, boolean relayed) {
    return StreamProbes.over(ch, peer, MediaFrames.PROTOCOL, relayed);
  }

  /** A directory whose open() connects a local stream, served at the callee by {@code server}. */
  private FakeDirectory directory(MediaStreams server) throws Exception {
    LocalAddress address = new LocalAddress(OverlayMediaTest.class);
    BlockingQueue<Boolean> relayedFlags = new LinkedBlockingQueue<>(); // one open at a time: in order
    Channel listener = new ServerBootstrap().group(local).channel(LocalServerChannel.class)
        .childOption(ChannelOption.AUTO_READ, false).childHandler(new ChannelInitializer<LocalChannel>() {
          @Override
          protected void initChannel(LocalChannel ch) {
            server.handle(stream(ch, CALLER, relayedFlags.remove()));
          }
        }).bind(address).sync().channel();
    open.add(() -> listener.close().sync());
    return new FakeDirectory().opening((peer, protocol) -> {
      CompletableFuture<Stream> f = new CompletableFuture<>();
      boolean relayed = !direct;
      relayedFlags.add(relayed);
      ChannelFuture connect = new Bootstrap().group(local).channel(LocalChannel.class)
          .option(ChannelOption.AUTO_READ, false).handler(new ChannelInitializer<LocalChannel>() {
            @Override
            protected void initChannel(LocalChannel ch) {}
          }).connect(address);
      connect.addListener(c -> {
        if (!c.isSuccess()) {
          f.completeExceptionally(c.cause());
          return;
        }
        Stream mine = stream(connect.channel(), CALLEE, relayed);
        synchronized (opened) {
          opened.add(mine);
        }
        f.complete(mine);
      });
      return f;
    });
  }

  private static final class Phone implements AutoCloseable {
    final DatagramSocket socket;
    InetSocketAddress target;

    Phone() throws Exception {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      socket.setSoTimeout(10_000);
    }

    byte[] send(int seq) throws Exception {
      byte[] p = rtp(seq);
      socket.send(new DatagramPacket(p, p.length, target));
      return p;
    }

    byte[] receive() throws Exception {
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      socket.receive(p);
      return Arrays.copyOf(p.getData(), p.getLength());
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  /** An RTP packet (PCMU, SSRC 7) of sequence number {@code seq}, carrying {@code seq} in its payload. */
  private static byte[] rtp(int seq) {
    byte[] p = new byte[172];
    ByteBuffer.wrap(p).put((byte) 0x80).put((byte) 0).putShort((short) seq).putInt(seq * 160).putInt(7).putInt(seq);
    return p;
  }

  private static InetSocketAddress at(OverlayMedia m) {
    return new InetSocketAddress("127.0.0.1", m.port());
  }

  @Test
  void mediaMovesToTheDirectPathWhenItAppearsWithoutLosingAPacket() throws Exception {
    try (Phone a = new Phone(); Phone b = new Phone()) {
      OverlayMedia callee = media(CALLER, null, 16, 512);
      MediaStreams server = new MediaStreams((id, from) -> id.equals(ID) && from.equals(CALLER)
          ? Optional.of(callee) : Optional.empty());
      OverlayMedia caller = media(CALLEE, (InetSocketAddress) a.socket.getLocalSocketAddress(), 16, 512);
      a.target = at(caller);
      b.target = at(callee);
      caller.maintain(directory(server));
      Await.until(Duration.ofSeconds(10), () -> callee.path().equals("relayed"), "the callee has the relayed stream");
      assertEquals("relayed", caller.path());

      byte[] hello = b.send(0); // latches the callee's port
      assertArrayEquals(hello, a.receive());
      int[] seq = {1, 1}; // each phone's own sequence numbers
      direct = true; // a direct connection appears: the next probe finds it
      Await.until(Duration.ofSeconds(20), Duration.ofMillis(20), () -> {
        byte[] sent = a.send(seq[0]++);
        assertArrayEquals(sent, b.receive(), "packet " + (seq[0] - 1));
        byte[] back = b.send(seq[1]++);
        assertArrayEquals(back, a.receive(), "packet " + (seq[1] - 1));
        return caller.switches() == 1 && callee.switches() == 1;
      }, "both sides on the direct stream");
      assertEquals("direct", caller.path());
      assertEquals("direct", callee.path());
      for (int i = 0; i < 20; i++) {
        byte[] sent = a.send(seq[0]++);
        assertArrayEquals(sent, b.receive());
      }
      Await.until(Duration.ofSeconds(10), () -> !opened.get(0).channel().isActive(), "the relayed stream closed");
      assertEquals(0, caller.received().lost());
      assertEquals(0, callee.received().lost());
      assertEquals(0, caller.sent().droppedLate() + caller.sent().droppedUnlatched());
    }
  }

  @Test
  void aFrameStillArrivingOnTheOldStreamAfterTheNewOneDeliveredIsDroppedNotReordered() throws Exception {
    try (Phone a = new Phone()) {
      OverlayMedia m = media(CALLER, (InetSocketAddress) a.socket.getLocalSocketAddress(), 16, 512);
      EmbeddedChannel relayed = new EmbeddedChannel();
      EmbeddedChannel direct = new EmbeddedChannel();
      m.use(stream(relayed, CALLER, true));
      deliver(relayed, 0);
      assertEquals(0, seq(a.receive()));
      m.use(stream(direct, CALLER, false));
      deliver(relayed, 1); // in flight on the old stream, and nothing came on the new one yet
      assertEquals(1, seq(a.receive()));
      deliver(direct, 3);
      assertEquals(3, seq(a.receive()));
      deliver(relayed, 2); // sent before 3: passing it on now would put it behind 3 at the phone
      deliver(direct, 4);
      assertEquals(4, seq(a.receive()), "2 was dropped, not delivered after 3");
      assertEquals(4, m.received().packets());
      assertEquals(1, m.received().lost(), "the dropped packet counts as lost");
      assertEquals(1, m.switches());
    }
  }

  private static void deliver(EmbeddedChannel stream, int seq) {
    stream.writeInbound(MediaFrames.frame(stream.alloc(), MediaFrames.RTP, Unpooled.wrappedBuffer(rtp(seq))));
  }

  private static int seq(byte[] rtp) {
    return ByteBuffer.wrap(rtp).getShort(2) & 0xFFFF;
  }

  @Test
  void strangersLatePacketsAndPacketsOverTheCapAreDroppedAndCounted() throws Exception {
    try (Phone a = new Phone(); Phone stranger = new Phone()) {
      OverlayMedia m = media(CALLEE, null, 4, 512);
      // a stream whose writes never complete: the send queue fills up
      List<ChannelPromise> held = new ArrayList<>();
      EmbeddedChannel stuck = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
          held.add(promise);
        }
      });
      loops.group().next().submit(() -> m.use(stream(stuck, CALLEE, false))).get();
      a.target = at(m);
      stranger.target = at(m);
      for (int i = 0; i < 10; i++) {
        a.send(i);
      }
      stranger.send(99);
      Await.until(Duration.ofSeconds(10), () -> m.sent().packets() == 10 && m.sent().droppedStranger() == 1,
          "ten packets counted, the stranger's dropped");
      assertEquals(6, m.sent().droppedLate(), "four wait, the rest are late");
    }
    try (Phone a = new Phone()) {
      OverlayMedia capped = media(CALLEE, null, 64, 8); // 1000 bytes/s, 4096 bytes of burst
      a.target = at(capped);
      for (int i = 0; i < 40; i++) {
        a.send(i);
      }
      Await.until(Duration.ofSeconds(10), () -> capped.sent().packets() == 40, "40 packets counted");
      long over = capped.sent().droppedCap();
      assertTrue(over >= 15 && over <= 17, "about 23 of 40 fit the burst, dropped " + over);
      assertEquals(40 - over, capped.sent().droppedUnlatched(), "the rest found no stream");
    }
  }

  @Test
  void aStreamForNoCallOrWithABadFrameIsClosed() throws Exception {
    MediaStreams server = new MediaStreams((id, from) -> Optional.empty());
    EmbeddedChannel unknown = new EmbeddedChannel();
    server.handle(stream(unknown, CALLER, false));
    unknown.writeInbound(MediaFrames.hello(unknown.alloc(), ID));
    assertFalse(unknown.isActive(), "no such call");

    OverlayMedia m = media(CALLER, null, 4, 512);
    MediaStreams serving = new MediaStreams((id, from) -> Optional.of(m));
    EmbeddedChannel bad = new EmbeddedChannel();
    serving.handle(stream(bad, CALLER, false));
    bad.writeInbound(MediaFrames.hello(bad.alloc(), ID));
    assertTrue(bad.isActive());
    bad.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 2, 9, 1}));
    assertFalse(bad.isActive(), "kind 9 closes the stream");

    EmbeddedChannel huge = new EmbeddedChannel();
    serving.handle(stream(huge, CALLER, false));
    huge.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF, (byte) 0xFF, 0}));
    assertFalse(huge.isActive(), "a frame over the limit closes the stream before any byte is buffered");
  }
}
