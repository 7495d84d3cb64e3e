package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.warren.api.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BridgeWireTest {

  private static Object roundTrip(ByteBuf frame) {
    EmbeddedChannel ch = new EmbeddedChannel(BridgeWire.framer(1024));
    ch.writeInbound(frame);
    ByteBuf body = ch.readInbound();
    try {
      return BridgeWire.read(body);
    } finally {
      body.release();
    }
  }

  @Test
  void aPublishAndAnAckComeBackAsWritten() {
    Msg m = new Msg("sensors/ü/temp", "21.5".getBytes(StandardCharsets.UTF_8), 1, true);
    BridgeWire.Publish p = (BridgeWire.Publish) roundTrip(BridgeWire.publish(ByteBufAllocator.DEFAULT, 42, m));
    assertEquals(42, p.seq());
    assertEquals(m.topic(), p.msg().topic());
    assertArrayEquals(m.payload(), p.msg().payload());
    assertEquals(1, p.msg().qos());
    assertTrue(p.msg().retain());
    assertEquals(7L, roundTrip(BridgeWire.ack(ByteBufAllocator.DEFAULT, 7)));
  }

  @Test
  void badFramesSayWhatIsWrong() {
    ByteBuf unknown = Unpooled.buffer().writeInt(9).writeByte(7).writeLong(1);
    assertEquals("iot bridge: unknown frame type 7 (expected 1-2)",
        assertThrows(ProtocolException.class, () -> roundTrip(unknown)).getMessage());
    ByteBuf qos2 = Unpooled.buffer().writeInt(13).writeByte(1).writeLong(1).writeByte(2).writeShort(1).writeByte('a');
    assertThrows(ProtocolException.class, () -> roundTrip(qos2));
    ByteBuf wildcard = Unpooled.buffer().writeInt(13).writeByte(1).writeLong(1).writeByte(0).writeShort(1)
        .writeByte('#');
    assertThrows(ProtocolException.class, () -> roundTrip(wildcard));
    ByteBuf cut = Unpooled.buffer().writeInt(14).writeByte(1).writeLong(1).writeByte(0).writeShort(9).writeShort(0);
    assertThrows(ProtocolException.class, () -> roundTrip(cut));
  }

  @Test
  void anAnnouncedLengthAboveTheLimitIsRefusedBeforeItIsBuffered() {
    EmbeddedChannel ch = new EmbeddedChannel(BridgeWire.framer(1024));
    assertThrows(TooLongFrameException.class,
        () -> ch.writeInbound(Unpooled.buffer().writeInt(1024 + BridgeWire.OVERHEAD + 1).writeByte(1)));
    assertFalse(ch.finish());
  }
}
