package io.warren.yamux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.Future;
import io.warren.testing.Wire;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class YamuxSessionTest {

  /** Records what a stream receives; optionally echoes. */
  @ChannelHandler.Sharable
  static final class Recorder extends ChannelInboundHandlerAdapter {
    final List<Channel> channels = new ArrayList<>();
    final ByteBuf received = Unpooled.buffer();
    final List<Object> events = new ArrayList<>();
    final boolean echo;
    final boolean autoRead;

    Recorder(boolean echo, boolean autoRead) {
      this.echo = echo;
      this.autoRead = autoRead;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channels.add(ctx.channel());
      ctx.channel().config().setAutoRead(autoRead);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      if (echo) {
        ctx.writeAndFlush(b.retainedDuplicate());
      }
      received.writeBytes(b);
      b.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      events.add(evt);
    }

    String text() {
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private final AtomicLong clock = new AtomicLong();
  private final YamuxConfig config = YamuxConfig.DEFAULT.withNanoClock(clock::get);

  private final List<EmbeddedChannel> connections = new ArrayList<>();

  @AfterEach
  void releaseConnections() {
    connections.forEach(EmbeddedChannel::finishAndReleaseAll);
  }

  private EmbeddedChannel connection(YamuxSession session) {
    EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameDecoder(session::receiveCredit), session);
    connections.add(ch);
    return ch;
  }

  private static <T> T get(Future<T> f) {
    assertTrue(f.isDone(), "future not done");
    if (!f.isSuccess()) {
      throw new AssertionError(f.cause());
    }
    return f.getNow();
  }

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  @Test
  void streamsCarryDataBothWaysAndHalfCloseCleanly() {
    Recorder serverSide = new Recorder(false, true);
    YamuxSession client = new YamuxSession(true, config, new Recorder(false, true));
    YamuxSession server = new YamuxSession(false, config, serverSide);
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(server);
    Wire.pump(a, b);
    assertNotNull(client.rtt());

    Recorder clientSide = new Recorder(false, true);
    Future<YamuxStreamChannel> opened = client.openStream(clientSide);
    YamuxStreamChannel s = get(opened);
    assertEquals(1, s.streamId());
    s.writeAndFlush(ascii("hello"));
    s.closeWrite();
    Wire.pump(a, b);

    YamuxStreamChannel remote = (YamuxStreamChannel) serverSide.channels.get(0);
    assertEquals(1, remote.streamId());
    assertFalse(remote.isOutbound());
    assertEquals("hello", serverSide.text());
    assertTrue(serverSide.events.contains(ChannelInputShutdownEvent.INSTANCE));
    assertTrue(remote.isOpen(), "half-closed: the server may still answer");

    remote.writeAndFlush(ascii("world"));
    remote.closeWrite();
    Wire.pump(a, b);
    assertEquals("world", clientSide.text());
    assertTrue(clientSide.events.contains(ChannelInputShutdownEvent.INSTANCE));
    assertFalse(s.isOpen());
    assertFalse(remote.isOpen());
    assertEquals(0, client.streamCount());
    assertEquals(0, server.streamCount());

    YamuxStreamChannel second = get(client.openStream(new Recorder(false, true)));
    assertEquals(3, second.streamId());
  }

  @Test
  void opensBeyondTheAckBacklogWaitForAcksInsteadOfFailing() {
    YamuxSession client = new YamuxSession(true, config, new Recorder(false, true));
    YamuxSession server = new YamuxSession(false, config, new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(server);
    Wire.pump(a, b);
    int burst = config.maxAckBacklog() + 44;
    List<Future<YamuxStreamChannel>> opens = new ArrayList<>();
    for (int i = 0; i < burst; i++) {
      opens.add(client.openStream(new Recorder(false, true)));
    }
    assertEquals(config.maxAckBacklog(), opens.stream().filter(Future::isDone).count(),
        "no more than the backlog opens before the peer ACKs");
    assertTrue(opens.stream().noneMatch(f -> f.isDone() && !f.isSuccess()), "nothing fails");
    Wire.pump(a, b);
    assertTrue(opens.stream().allMatch(f -> f.isDone() && f.isSuccess()), "the rest opened once ACKs came");
    assertEquals(burst, client.streamCount());
  }

  @Test
  void resetAbortsTheStreamOnBothSides() {
    Recorder serverSide = new Recorder(false, true);
    YamuxSession client = new YamuxSession(true, config, new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(new YamuxSession(false, config, serverSide));
    YamuxStreamChannel s = get(client.openStream(new Recorder(false, true)));
    s.writeAndFlush(ascii("x"));
    Wire.pump(a, b);
    Channel remote = serverSide.channels.get(0);
    s.reset();
    Wire.pump(a, b);
    assertFalse(s.isOpen());
    assertFalse(remote.isOpen());
    assertTrue(((YamuxStreamChannel) remote).isResetByPeer());
    assertTrue(serverSide.events.contains(YamuxStreamChannel.RESET_EVENT));
    ChannelFuture late = remote.writeAndFlush(ascii("too late"));
    assertFalse(late.isSuccess());
  }

  @Test
  void aReaderThatStopsReadingStopsTheWriterAfterOneWindow() {
    Recorder serverSide = new Recorder(false, false); // AUTO_READ off and never reads
    YamuxSession client = new YamuxSession(true, config.withMeasureRtt(false), new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(new YamuxSession(false, config.withMeasureRtt(false), serverSide));
    YamuxStreamChannel s = get(client.openStream(new Recorder(false, true)));
    byte[] data = new byte[1024 * 1024];
    new Random(1).nextBytes(data);
    ChannelFuture written = s.writeAndFlush(Unpooled.wrappedBuffer(data));
    Wire.pump(a, b);
    assertEquals(0, s.sendWindow());
    assertFalse(s.isWritable(), "a used-up send window makes the stream unwritable");
    assertFalse(written.isDone());
    assertEquals(0, serverSide.received.readableBytes(), "nothing delivered without read()");

    Channel remote = serverSide.channels.get(0);
    int reads = 0;
    while (serverSide.received.readableBytes() < data.length && reads < 10_000) {
      remote.read();
      Wire.pump(a, b);
      reads++;
    }
    assertEquals(Unpooled.wrappedBuffer(data), serverSide.received);
    assertTrue(written.isSuccess());
    assertTrue(s.isWritable());
    assertEquals(YamuxConfig.INITIAL_WINDOW, ((YamuxStreamChannel) remote).receiveWindow(),
        "no auto-tuning without an RTT measurement");
  }

  @Test
  void aFastReaderGrowsTheWindowUpTo16MiB() {
    Recorder serverSide = new Recorder(false, true);
    YamuxSession client = new YamuxSession(true, config, new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(new YamuxSession(false, config, serverSide));
    Wire.pump(a, b); // RTT ping (0 ns on the frozen clock: every window is consumed "within 4 RTT")
    YamuxStreamChannel s = get(client.openStream(new Recorder(false, true)));
    byte[] chunk = new byte[1024 * 1024];
    for (int i = 0; i < 40; i++) {
      s.writeAndFlush(Unpooled.wrappedBuffer(chunk));
      Wire.pump(a, b);
      serverSide.received.clear();
    }
    YamuxStreamChannel remote = (YamuxStreamChannel) serverSide.channels.get(0);
    assertEquals(YamuxConfig.MAX_WINDOW_LIMIT, remote.receiveWindow());
    assertTrue(s.sendWindow() > YamuxConfig.INITIAL_WINDOW);
  }

  @Test
  void aSlowReaderKeepsTheInitialWindow() {
    Recorder serverSide = new Recorder(false, true);
    YamuxSession client = new YamuxSession(true, config, new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(new YamuxSession(false, config, serverSide));
    clock.set(0);
    Wire.pump(a, b); // RTT = 0 with the frozen clock
    YamuxStreamChannel s = get(client.openStream(new Recorder(false, true)));
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 64; i++) {
      clock.addAndGet(Duration.ofSeconds(1).toNanos()); // each batch takes "long" relative to the RTT
      s.writeAndFlush(Unpooled.wrappedBuffer(chunk));
      Wire.pump(a, b);
    }
    assertEquals(64 * 64 * 1024, serverSide.received.readableBytes());
    assertEquals(YamuxConfig.INITIAL_WINDOW, ((YamuxStreamChannel) serverSide.channels.get(0)).receiveWindow());
  }

  @Test
  void closingBeforeThePeerFinishedDiscardsItsDataButKeepsItsWindowOpen() {
    Recorder serverSide = new Recorder(false, true);
    YamuxSession client = new YamuxSession(true, config.withMeasureRtt(false), new Recorder(false, true));
    YamuxSession server = new YamuxSession(false, config.withMeasureRtt(false), serverSide);
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(server);
    Recorder clientSide = new Recorder(false, true);
    YamuxStreamChannel s = get(client.openStream(clientSide));
    s.writeAndFlush(ascii("request"));
    Wire.pump(a, b);
    s.close(); // sends FIN; the server has not finished
    Wire.pump(a, b);
    assertEquals(1, client.streamCount(), "kept until the peer finishes");
    Channel remote = serverSide.channels.get(0);
    ChannelFuture big = remote.writeAndFlush(Unpooled.wrappedBuffer(new byte[1024 * 1024]));
    Wire.pump(a, b);
    assertTrue(big.isSuccess(), "a closed stream still returns window, so the peer is not stuck");
    assertEquals(0, clientSide.received.readableBytes());
    ((YamuxStreamChannel) remote).closeWrite();
    Wire.pump(a, b);
    assertEquals(0, client.streamCount());
    assertEquals(0, server.streamCount());
    assertFalse(remote.isOpen());
  }

  @Test
  void aReadIssuedWhileDeliveringIsNotLost() {
    List<Integer> sizes = new ArrayList<>();
    ChannelHandler readsInline = new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        ctx.read();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        sizes.add(((ByteBuf) msg).readableBytes());
        ((ByteBuf) msg).release();
        ctx.read(); // as a splice does when its write completes at once
      }

      @Override
      public boolean isSharable() {
        return true;
      }
    };
    YamuxSession client = new YamuxSession(true, config.withMeasureRtt(false), new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(new YamuxSession(false, config.withMeasureRtt(false), readsInline));
    YamuxStreamChannel s = get(client.openStream(new Recorder(false, true)));
    for (int i = 0; i < 5; i++) {
      s.write(ascii("chunk" + i));
    }
    s.flush();
    Wire.pump(a, b);
    assertEquals(5, sizes.size(), "every queued buffer is delivered, one read() at a time");
  }

  @Test
  void pingMeasuresRoundTrip() {
    YamuxSession client = new YamuxSession(true, config.withMeasureRtt(false), new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(new YamuxSession(false, config.withMeasureRtt(false), new Recorder(false, true)));
    var rtt = client.ping();
    clock.addAndGet(5_000_000);
    Wire.pump(a, b);
    assertEquals(Duration.ofMillis(5), rtt.join());
    assertEquals(Duration.ofMillis(5), client.rtt());
  }

  @Test
  void goAwayStopsNewStreams() {
    YamuxSession client = new YamuxSession(true, config, new Recorder(false, true));
    YamuxSession server = new YamuxSession(false, config, new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(server);
    server.goAway(YamuxFrame.GO_AWAY_NORMAL);
    Wire.pump(a, b);
    assertTrue(client.isRemoteGoAway());
    Future<YamuxStreamChannel> f = client.openStream(new Recorder(false, true));
    assertEquals("yamux: session is going away, no new streams", f.cause().getMessage());
    assertTrue(a.isOpen() && b.isOpen());
  }

  @Test
  void echoOverManyConcurrentStreams() {
    YamuxSession client = new YamuxSession(true, config, new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(new YamuxSession(false, config, new Recorder(true, true)));
    List<Recorder> recorders = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Recorder r = new Recorder(false, true);
      recorders.add(r);
      YamuxStreamChannel s = get(client.openStream(r));
      s.writeAndFlush(ascii("stream " + s.streamId()));
    }
    Wire.pump(a, b);
    for (int i = 0; i < 20; i++) {
      assertEquals("stream " + (2 * i + 1), recorders.get(i).text());
    }
  }

  // ---- protocol errors, driven with raw frames against one session ----

  private static ByteBuf frame(int type, int flags, int id, long length, byte[] data) {
    ByteBuf b = Unpooled.buffer();
    YamuxFrame.writeHeader(b, type, flags, id, length);
    if (data != null) {
      b.writeBytes(data);
    }
    return b;
  }

  private EmbeddedChannel rawServer(Recorder recorder) {
    return connection(new YamuxSession(false, config.withMeasureRtt(false), recorder));
  }

  /** Checks the connection was closed after sending GO_AWAY(protocol error). */
  private static void assertClosedWithProtocolError(EmbeddedChannel ch) {
    assertFalse(ch.isOpen());
    ByteBuf out = Wire.drainOutbound(ch);
    byte[] all = ByteBufUtil.getBytes(out);
    byte[] last = java.util.Arrays.copyOfRange(all, all.length - 12, all.length);
    assertEquals("000300000000000000000001", java.util.HexFormat.of().formatHex(last));
  }

  @Test
  void unknownFrameTypeClosesTheConnection() {
    EmbeddedChannel ch = rawServer(new Recorder(false, true));
    ch.writeInbound(frame(7, 0, 0, 0, null));
    assertClosedWithProtocolError(ch);
  }

  @Test
  void dataBeyondTheWindowClosesTheConnection() {
    Recorder r = new Recorder(false, true);
    EmbeddedChannel ch = rawServer(r);
    ch.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0, null));
    assertTrue(ch.isOpen());
    ch.writeInbound(frame(YamuxFrame.TYPE_DATA, 0, 1, 300_000, new byte[300_000]));
    assertClosedWithProtocolError(ch);
    assertFalse(r.channels.get(0).isOpen(), "the connection's streams close with it");
  }

  @Test
  void windowUpdateOverflowClosesTheConnection() {
    EmbeddedChannel ch = rawServer(new Recorder(false, true));
    ch.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0xFFFFFFFFL, null));
    assertClosedWithProtocolError(ch);
  }

  @Test
  void reusedStreamIdsCloseTheConnection() {
    EmbeddedChannel open = rawServer(new Recorder(false, true));
    open.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 3, 0, null));
    open.writeInbound(frame(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 3, 0, null));
    assertClosedWithProtocolError(open);

    EmbeddedChannel older = rawServer(new Recorder(false, true));
    older.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 5, 0, null));
    older.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 3, 0, null));
    assertClosedWithProtocolError(older);

    EmbeddedChannel parity = rawServer(new Recorder(false, true));
    parity.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 2, 0, null));
    assertClosedWithProtocolError(parity);
  }

  @Test
  void pingIsAnsweredAndTooManyStreamsAreRefused() {
    EmbeddedChannel ch = connection(new YamuxSession(false,
        config.withMeasureRtt(false).withMaxInboundStreams(1), new Recorder(false, true)));
    ch.writeInbound(frame(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, 77, null));
    assertEquals("00020002000000000000004d", java.util.HexFormat.of().formatHex(
        ByteBufUtil.getBytes(Wire.drainOutbound(ch))));
    ch.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0, null));
    assertEquals("000100020000000100000000", java.util.HexFormat.of().formatHex(
        ByteBufUtil.getBytes(Wire.drainOutbound(ch))));
    ch.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 3, 0, null));
    assertEquals("000100080000000300000000", java.util.HexFormat.of().formatHex(
        ByteBufUtil.getBytes(Wire.drainOutbound(ch))), "RST: over the inbound stream limit");
    assertTrue(ch.isOpen());
  }

  @Test
  void aStreamHalfClosesLikeATcpSocket() {
    Recorder serverSide = new Recorder(false, true);
    YamuxSession client = new YamuxSession(true, config.withMeasureRtt(false), new Recorder(false, true));
    EmbeddedChannel a = connection(client);
    EmbeddedChannel b = connection(new YamuxSession(false, config.withMeasureRtt(false), serverSide));
    Recorder clientSide = new Recorder(false, true);
    YamuxStreamChannel s = get(client.openStream(clientSide));
    assertTrue(s instanceof io.netty.channel.socket.DuplexChannel, "Splice half-closes DuplexChannels");
    s.write(ascii("before FIN"));
    io.warren.api.channel.Splice.shutdownOutput(s);
    Wire.pump(a, b);
    assertTrue(s.isOutputShutdown());
    assertFalse(s.isInputShutdown());
    assertTrue(s.isOpen(), "the peer may still answer");
    assertEquals("before FIN", serverSide.text());
    assertTrue(serverSide.events.contains(ChannelInputShutdownEvent.INSTANCE));
    YamuxStreamChannel remote = (YamuxStreamChannel) serverSide.channels.get(0);
    assertTrue(remote.isInputShutdown());
    assertFalse(remote.isOutputShutdown());

    assertTrue(s.shutdownInput().isSuccess());
    assertTrue(s.isShutdown());
    ChannelFuture big = remote.writeAndFlush(Unpooled.wrappedBuffer(new byte[1024 * 1024]));
    Wire.pump(a, b);
    assertTrue(big.isSuccess(), "input shut down: data is discarded but its window returned");
    assertEquals(0, clientSide.received.readableBytes());
    remote.shutdownOutput();
    Wire.pump(a, b);
    assertFalse(s.isOpen());
    assertFalse(remote.isOpen());
    assertEquals(0, client.streamCount());
  }
}
