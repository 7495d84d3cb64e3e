package io.warren.yamux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.ProtocolException;
import io.warren.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzz targets for Yamux: the frame decoder alone and a whole session fed one peer's bytes. Bad
 * input must end in the documented {@link ProtocolException} (the session answers it with a go-away
 * and closes), never another exception, and nothing is held beyond a frame's limit.
 */
class YamuxFuzzTest {

  private static final int MAX_INPUT = 4096;

  /** Accepts every stream the peer opens and drops what it sends. */
  @ChannelHandler.Sharable
  static final class Drop extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }
  }

  static byte[] frame(int type, int flags, int stream, long length, byte[] data) {
    ByteBuf b = Unpooled.buffer();
    YamuxFrame.writeHeader(b, type, flags, stream, length);
    b.writeBytes(data);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** What a client's side of a session sends: opens, data, window updates, pings, FIN, RST, go-away. */
  static List<byte[]> seeds() {
    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
    List<byte[]> s = new ArrayList<>();
    s.add(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0, new byte[0]));
    s.add(frame(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1, hello.length, hello));
    s.add(concat(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0, new byte[0]),
        frame(YamuxFrame.TYPE_DATA, 0, 1, hello.length, hello),
        frame(YamuxFrame.TYPE_WINDOW_UPDATE, 0, 1, 65536, new byte[0]),
        frame(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_FIN, 1, 0, new byte[0])));
    s.add(concat(frame(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 3, 2, new byte[] {1, 2}),
        frame(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_RST, 3, 0, new byte[0])));
    s.add(frame(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, 42, new byte[0]));
    s.add(frame(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, 7, new byte[0]));
    s.add(frame(YamuxFrame.TYPE_GO_AWAY, 0, 0, YamuxFrame.GO_AWAY_NORMAL, new byte[0]));
    s.add(concat(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 5, 0, new byte[0]),
        frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 7, 0, new byte[0]),
        frame(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_FIN, 5, 1, new byte[] {9}),
        frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, 7, 0, new byte[0])));
    return s;
  }

  @Provide
  Arbitrary<byte[]> input() {
    return Fuzz.bytes(MAX_INPUT, seeds());
  }

  /** Feeds {@code input} in pieces of {@code chunk} bytes. */
  private static void feed(EmbeddedChannel ch, byte[] input, int chunk) {
    for (int at = 0; at < input.length && ch.isOpen(); at += chunk) {
      ch.writeInbound(Unpooled.wrappedBuffer(input, at, Math.min(chunk, input.length - at)));
      ch.runPendingTasks();
    }
  }

  @Property(seed = Fuzz.SEED)
  void theDecoderRefusesBadFramesWithAProtocolErrorOnly(@ForAll("input") byte[] input,
      @ForAll @IntRange(min = 1, max = 64) int chunk) {
    YamuxFrameDecoder decoder = new YamuxFrameDecoder((id, flags) -> YamuxFrameDecoder.MAX_DATA_LENGTH);
    List<Throwable> errors = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
      }
    });
    try {
      Fuzz.expect(input, () -> feed(ch, input, chunk));
      for (Throwable t : errors) {
        Fuzz.expectOnly(input, t, ProtocolException.class);
      }
      assertTrue(Fuzz.buffered(decoder) <= YamuxFrame.HEADER_LENGTH + YamuxFrameDecoder.MAX_DATA_LENGTH,
          "decoder holds more than a frame");
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Property(seed = Fuzz.SEED)
  void aSessionSurvivesAnyPeerInputOrClosesWithAProtocolError(@ForAll("input") byte[] input,
      @ForAll @IntRange(min = 1, max = 64) int chunk) {
    YamuxSession session = new YamuxSession(false, YamuxConfig.DEFAULT.withMeasureRtt(false), new Drop());
    EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameDecoder(session::receiveCredit), session);
    try {
      // a ProtocolException never gets here (the session turns it into a go-away); anything else would
      Fuzz.expect(input, () -> {
        feed(ch, input, chunk);
        ch.checkException();
      });
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzDecoder(byte[] input) {
    theDecoderRefusesBadFramesWithAProtocolErrorOnly(input, Fuzz.chunk(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzSession(byte[] input) {
    aSessionSurvivesAnyPeerInputOrClosesWithAProtocolError(input, Fuzz.chunk(input));
  }
}
