package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;
import io.warren.api.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BridgeWireTest {

  private static Object roundTrip(ByteBuf frame) {
    return roundTrip(frame, true, 0);
  }

  private static Object roundTrip(ByteBuf frame, boolean withProps, long now) {
    EmbeddedChannel ch = new EmbeddedChannel(BridgeWire.framer(1024));
    ch.writeInbound(frame);
    ByteBuf body = ch.readInbound();
    try {
      return BridgeWire.read(body, withProps, now);
    } finally {
      body.release();
    }
  }

  private static final Props ALL = new Props(1, "application/json", "replies/ü", new byte[] {0, 1, (byte) 0xff},
      List.of(new StringPair("site", "north"), new StringPair("site", "süd"), new StringPair("", "")),
      1_000_000 + 90_000);

  @Test
  void publishPropertiesCrossTheBridgeWithTheExpiryThatIsLeft() {
    Msg m = new Msg("sensors/a", "{}".getBytes(StandardCharsets.UTF_8), 1, false, ALL);
    // written 30 s before it expires on the sender's clock, read on a receiver whose clock says 5,000,000
    ByteBuf frame = BridgeWire.publish(ByteBufAllocator.DEFAULT, 9, m, true, 1_000_000 + 60_000);
    Msg got = ((BridgeWire.Publish) roundTrip(frame, true, 5_000_000)).msg();
    assertEquals(new Props(1, "application/json", "replies/ü", new byte[] {0, 1, (byte) 0xff}, ALL.userProperties(),
        5_000_000 + 30_000), got.props());
    assertArrayEquals(m.payload(), got.payload());
    Msg none = new Msg("t", new byte[] {7}, 0, false);
    assertSame(Props.NONE, ((BridgeWire.Publish) roundTrip(BridgeWire.publish(ByteBufAllocator.DEFAULT, 1, none, true,
        0))).msg().props());
  }

  @Test
  void theOlderFormatCarriesNoPropertiesAndReadsAsBefore() {
    Msg m = new Msg("sensors/a", "21.5".getBytes(StandardCharsets.UTF_8), 1, true, ALL);
    ByteBuf frame = BridgeWire.publish(ByteBufAllocator.DEFAULT, 3, m, false, 0);
    assertEquals(4 + 1 + 8 + 1 + 2 + 9 + 4, frame.readableBytes(), "1.0.0: no properties field");
    Msg got = ((BridgeWire.Publish) roundTrip(frame, false, 0)).msg();
    assertSame(Props.NONE, got.props());
    assertArrayEquals(m.payload(), got.payload());
  }

  @Test
  void propertiesOfALaterVersionAreSkippedAndBadOnesRefused() {
    ByteBuf props = Unpooled.buffer();
    props.writeByte(0x7f).writeInt(3).writeBytes(new byte[] {1, 2, 3}); // unknown: skipped
    props.writeByte(Props.CONTENT_TYPE).writeInt(2).writeBytes("ok".getBytes(StandardCharsets.UTF_8));
    assertEquals("ok", Props.read(props, 0).contentType());
    ByteBuf shortExpiry = Unpooled.buffer().writeByte(Props.EXPIRY).writeInt(2).writeShort(1);
    assertEquals("iot bridge: property 0x2 of 2 bytes (4 expected)",
        assertThrows(ProtocolException.class, () -> Props.read(shortExpiry, 0)).getMessage());
    ByteBuf tooLong = Unpooled.buffer().writeByte(Props.USER).writeInt(100).writeShort(1);
    assertThrows(ProtocolException.class, () -> Props.read(tooLong, 0));
    ByteBuf badKey = Unpooled.buffer().writeByte(Props.USER).writeInt(3).writeShort(9).writeByte('k');
    assertThrows(ProtocolException.class, () -> Props.read(badKey, 0));
    ByteBuf wildcardReply = Unpooled.buffer().writeByte(Props.RESPONSE_TOPIC).writeInt(1).writeByte('#');
    assertThrows(ProtocolException.class, () -> Props.read(wildcardReply, 0));
  }

  @Test
  void theStoreFormKeepsTheAbsoluteExpiry() {
    assertEquals(ALL, Props.fromBytes(ALL.toBytes(), ALL.expiresAt()));
    assertSame(Props.NONE, Props.fromBytes(new byte[0], 0));
  }

  @Test
  void aPublishAndAnAckComeBackAsWritten() {
    Msg m = new Msg("sensors/ü/temp", "21.5".getBytes(StandardCharsets.UTF_8), 1, true);
    BridgeWire.Publish p =
        (BridgeWire.Publish) roundTrip(BridgeWire.publish(ByteBufAllocator.DEFAULT, 42, m, false, 0), false, 0);
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
    ByteBuf noProps =
        Unpooled.buffer().writeInt(13).writeByte(1).writeLong(1).writeByte(0).writeShort(1).writeByte('a');
    assertEquals("iot bridge: PUBLISH frame cut short before its properties",
        assertThrows(ProtocolException.class, () -> roundTrip(noProps)).getMessage());
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
