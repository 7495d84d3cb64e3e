package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;
import io.warren.api.ProtocolException;
import io.warren.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzz target for the bridge protocol's frames: whatever a member sends, the reader gives frames
 * or a {@link ProtocolException} / {@link TooLongFrameException}, and holds no more than one
 * frame's limit.
 */
class BridgeWireFuzzTest {
  private static final int MAX_MESSAGE = 1024;

  private static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  @Provide
  Arbitrary<byte[]> streams() {
    ByteBufAllocator a = ByteBufAllocator.DEFAULT;
    return Fuzz.bytes(4096, List.of(
        bytes(BridgeWire.publish(a, 1, new Msg("sensors/a", "21.5".getBytes(StandardCharsets.UTF_8), 1, true,
            new Props(1, "text/plain", "r/1", new byte[] {1, 2}, List.of(new StringPair("k", "v")), 5_000)), true, 0)),
        bytes(BridgeWire.publish(a, 2, new Msg("t", new byte[0], 0, false), true, 0)), bytes(BridgeWire.ack(a, 3)),
        new byte[] {0, 0, 0, 9, 2, 0, 0, 0, 0, 0, 0, 0, 1}));
  }

  @Property(seed = Fuzz.SEED)
  void framesOrADocumentedRefusal(@ForAll("streams") byte[] input, @ForAll @IntRange(min = 1, max = 64) int chunk) {
    LengthFieldBasedFrameDecoder framer = BridgeWire.framer(MAX_MESSAGE);
    EmbeddedChannel ch = new EmbeddedChannel(framer, new SimpleChannelInboundHandler<ByteBuf>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        Object f = BridgeWire.read(frame, true, 0);
        assertTrue(f instanceof Long || f instanceof BridgeWire.Publish, String.valueOf(f));
      }
    });
    try {
      Fuzz.expect(input, () -> {
        for (int at = 0; at < input.length && ch.isOpen(); at += chunk) {
          ch.writeInbound(Unpooled.copiedBuffer(input, at, Math.min(chunk, input.length - at)));
          assertTrue(Fuzz.buffered(framer) <= MAX_MESSAGE + BridgeWire.OVERHEAD + 4, "buffered past the limit");
        }
        ch.checkException();
      }, ProtocolException.class, TooLongFrameException.class);
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzBridgeWire(byte[] input) {
    framesOrADocumentedRefusal(input, Fuzz.chunk(input));
  }
}
