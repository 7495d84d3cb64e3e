package io.warren.yamux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.ProtocolException;
import io.warren.testing.Wire;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a hostile peer cannot make a session hold: frame bodies beyond the window, unread answers. */
class YamuxBoundsTest {

  private final List<EmbeddedChannel> channels = new ArrayList<>();

  @AfterEach
  void release() {
    channels.forEach(EmbeddedChannel::finishAndReleaseAll);
  }

  /** Streams that never read: no window is granted back, so each frame sees what the last one left. */
  @ChannelHandler.Sharable
  static final class Discard extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Holds every write unsent, as a socket whose peer never reads would. */
  static final class NeverSent extends ChannelOutboundHandlerAdapter {
    final List<Object> held = new ArrayList<>();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      held.add(msg);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {}
  }

  private static ByteBuf header(int type, int flags, int id, long length) {
    ByteBuf b = Unpooled.buffer();
    YamuxFrame.writeHeader(b, type, flags, id, length);
    return b;
  }

  private EmbeddedChannel server(YamuxConfig config, ChannelHandler... before) {
    YamuxSession session = new YamuxSession(false, config.withMeasureRtt(false), new Discard());
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(before);
    ch.pipeline().addLast(new YamuxFrameDecoder(session::receiveCredit), session);
    channels.add(ch);
    return ch;
  }

  private static void assertGoAwayProtocolError(EmbeddedChannel ch) {
    assertFalse(ch.isOpen(), "the connection is closed");
    byte[] all = ByteBufUtil.getBytes(Wire.drainOutbound(ch));
    assertEquals("000300000000000000000001",
        HexFormat.of().formatHex(java.util.Arrays.copyOfRange(all, all.length - 12, all.length)));
  }

  @Test
  void aStreamAcceptedWhileItsAckFillsTheConnectionTakesOnTheConnectionsWritability() {
    // a socket whose send buffer fills with the ACK: the connection turns unwritable while the new
    // stream is in the session's table but not yet on its event loop
    ChannelOutboundHandlerAdapter fills = new ChannelOutboundHandlerAdapter() {
      @Override
      public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.write(Unpooled.wrappedBuffer(new byte[128 * 1024])); // over the high water mark, at once
      }
    };
    List<io.netty.channel.Channel> accepted = new ArrayList<>();
    YamuxSession session = new YamuxSession(false, YamuxConfig.DEFAULT.withMeasureRtt(false),
        new ChannelInboundHandlerAdapter() {
          @Override
          public void handlerAdded(ChannelHandlerContext ctx) {
            accepted.add(ctx.channel());
          }

          @Override
          public boolean isSharable() {
            return true;
          }
        });
    EmbeddedChannel ch = new EmbeddedChannel();
    channels.add(ch);
    ch.pipeline().addLast(fills, new YamuxFrameDecoder(session::receiveCredit), session);
    ch.writeInbound(header(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0));
    ch.checkException(); // before: "channel not registered to an event loop", and the connection closed
    assertTrue(ch.isOpen());
    assertEquals(1, accepted.size());
    assertFalse(accepted.get(0).isWritable(), "the stream waits for the connection like the others");
  }

  @Test
  void aHeaderAnnouncingMoreThanTheWindowClosesBeforeAnyBodyIsBuffered() {
    EmbeddedChannel ch = server(YamuxConfig.DEFAULT);
    ch.writeInbound(header(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1, 16 << 20)); // the header alone
    assertGoAwayProtocolError(ch);
  }

  @Test
  void aHeaderOnAnOpenStreamIsCheckedAgainstWhatIsLeftOfItsWindow() {
    EmbeddedChannel ch = server(YamuxConfig.DEFAULT);
    ByteBuf first = header(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1, 200_000);
    first.writeZero(200_000);
    // the second header, in the same read, sees the 62144 bytes the first one left
    ByteBuf second = header(YamuxFrame.TYPE_DATA, 0, 1, 62_145);
    ch.writeInbound(Unpooled.wrappedBuffer(first, second));
    assertGoAwayProtocolError(ch);
  }

  @Test
  void framesWithinTheWindowPass() {
    EmbeddedChannel ch = server(YamuxConfig.DEFAULT);
    ByteBuf first = header(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1, 200_000);
    first.writeZero(200_000);
    ByteBuf second = header(YamuxFrame.TYPE_DATA, 0, 1, 62_144);
    second.writeZero(62_144);
    ch.writeInbound(Unpooled.wrappedBuffer(first, second));
    assertTrue(ch.isOpen());
  }

  @Test
  void theDecoderFailsOnTheHeaderAndSkipsBodiesOfUnknownStreams() {
    List<Throwable> errors = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameDecoder((id, flags) -> id == 1 ? 10
        : ReceiveWindow.UNKNOWN_STREAM), new ChannelInboundHandlerAdapter() {
          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
          }
        });
    channels.add(ch);
    ByteBuf unknown = header(YamuxFrame.TYPE_DATA, 0, 7, 5);
    ch.writeInbound(unknown);
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {4, 5}), header(YamuxFrame.TYPE_PING, 1, 0, 9));
    YamuxFrame ping = ch.readInbound();
    assertEquals(YamuxFrame.TYPE_PING, ping.type(), "the unknown stream's 5 bytes were skipped");
    assertNull(ch.readInbound());
    ch.writeInbound(header(YamuxFrame.TYPE_DATA, 0, 1, 11));
    assertEquals(1, errors.size());
    assertTrue(errors.get(0) instanceof ProtocolException);
    assertEquals("yamux: window overflow: stream 1 announced a 11-byte data frame with only 10 bytes left in its "
        + "receive window", errors.get(0).getMessage());
  }

  @Test
  void aPeerThatPingsWithoutReadingTheAnswersIsClosedAtTheControlBacklog() {
    NeverSent socket = new NeverSent();
    EmbeddedChannel ch = server(YamuxConfig.DEFAULT.withMaxControlBacklog(64), socket);
    ByteBuf pings = Unpooled.buffer();
    for (int i = 0; i < 64; i++) {
      YamuxFrame.writeHeader(pings, YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, i);
    }
    ch.writeInbound(pings);
    assertTrue(ch.isOpen(), "64 unsent answers are within the backlog");
    assertEquals(64, socket.held.size());
    ch.writeInbound(header(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, 64));
    assertFalse(ch.isOpen(), "the 65th answer would exceed it: the connection is closed");
    socket.held.forEach(ReferenceCountUtil::release);
  }

  @Test
  void answersThatLeaveDoNotCountAgainstTheBacklog() {
    EmbeddedChannel ch = server(YamuxConfig.DEFAULT.withMaxControlBacklog(16));
    for (int i = 0; i < 100; i++) {
      ch.writeInbound(header(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, i));
      Wire.drainOutbound(ch).release();
    }
    assertTrue(ch.isOpen());
  }
}
