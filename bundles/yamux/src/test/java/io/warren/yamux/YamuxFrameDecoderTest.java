package io.warren.yamux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.ProtocolException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class YamuxFrameDecoderTest {

  private final List<Throwable> errors = new ArrayList<>();

  private EmbeddedChannel channel() {
    return new EmbeddedChannel(new YamuxFrameDecoder((id, flags) -> YamuxFrameDecoder.MAX_DATA_LENGTH),
        new ChannelInboundHandlerAdapter() {
          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
          }
        });
  }

  @Test
  void headerLayoutIsBigEndian() {
    ByteBuf b = Unpooled.buffer();
    YamuxFrame.writeHeader(b, YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN | YamuxFrame.FLAG_FIN, 3, 0x40000);
    assertEquals("000100050000000300040000", HexFormat.of().formatHex(io.netty.buffer.ByteBufUtil.getBytes(b)));
  }

  @Test
  void decodesFramesSplitAcrossReads() {
    EmbeddedChannel ch = channel();
    byte[] wire = HexFormat.of().parseHex("00000000000000050000000368656c" + "00020002000000000000002a");
    ch.writeInbound(Unpooled.wrappedBuffer(wire, 0, 7));
    assertNull(ch.readInbound());
    ch.writeInbound(Unpooled.wrappedBuffer(wire, 7, 8));
    YamuxFrame data = ch.readInbound();
    assertEquals(YamuxFrame.TYPE_DATA, data.type());
    assertEquals(5, data.streamId());
    assertEquals("hel", data.data().toString(java.nio.charset.StandardCharsets.US_ASCII));
    data.release();
    ch.writeInbound(Unpooled.wrappedBuffer(wire, 15, 12));
    YamuxFrame ping = ch.readInbound();
    assertEquals(YamuxFrame.TYPE_PING, ping.type());
    assertTrue(ping.hasFlag(YamuxFrame.FLAG_ACK));
    assertEquals(42, ping.length());
    assertTrue(errors.isEmpty());
  }

  @Test
  void aDataFrameBodyIsPassedOnAsItArrivesWithItsFlagsOnTheFirstAndLastPieces() {
    EmbeddedChannel ch = channel();
    ByteBuf header = Unpooled.buffer();
    YamuxFrame.writeHeader(header, YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN | YamuxFrame.FLAG_FIN, 7, 10);
    ch.writeInbound(
        Unpooled.wrappedBuffer(header, Unpooled.copiedBuffer("abcd", java.nio.charset.StandardCharsets.US_ASCII)));
    YamuxFrame first = ch.readInbound();
    assertEquals(4, first.length());
    assertEquals(YamuxFrame.FLAG_SYN, first.flags(), "the first piece opens the stream and does not end it");
    assertEquals("abcd", first.data().toString(java.nio.charset.StandardCharsets.US_ASCII));
    first.release();
    ch.writeInbound(Unpooled.copiedBuffer("efg", java.nio.charset.StandardCharsets.US_ASCII));
    YamuxFrame middle = ch.readInbound();
    assertEquals(0, middle.flags());
    assertEquals("efg", middle.data().toString(java.nio.charset.StandardCharsets.US_ASCII));
    middle.release();
    // the rest of the body and the next frame's header in one read
    ByteBuf tail = Unpooled.copiedBuffer("hij", java.nio.charset.StandardCharsets.US_ASCII);
    YamuxFrame.writeHeader(tail, YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, 9);
    ch.writeInbound(tail);
    YamuxFrame last = ch.readInbound();
    assertEquals(YamuxFrame.FLAG_FIN, last.flags(), "the last piece ends the stream");
    assertEquals(7, last.streamId());
    assertEquals("hij", last.data().toString(java.nio.charset.StandardCharsets.US_ASCII));
    last.release();
    YamuxFrame ping = ch.readInbound();
    assertEquals(YamuxFrame.TYPE_PING, ping.type());
    assertEquals(9, ping.length());
    assertNull(ch.readInbound());
    assertTrue(errors.isEmpty());
  }

  @Test
  void unknownTypeAndVersionAreClearErrors() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Unpooled.wrappedBuffer(HexFormat.of().parseHex("000700000000000000000000")));
    assertEquals("yamux: unknown frame type 7 (expected 0-3)", errors.get(0).getMessage());
    assertTrue(errors.get(0) instanceof ProtocolException);
    EmbeddedChannel ch2 = channel();
    ch2.writeInbound(Unpooled.wrappedBuffer(HexFormat.of().parseHex("010000000000000100000000")));
    assertEquals("yamux: unsupported version 1 (expected 0)", errors.get(1).getMessage());
    EmbeddedChannel ch3 = channel();
    ch3.writeInbound(Unpooled.wrappedBuffer(HexFormat.of().parseHex("0000000000000001ffffffff")));
    assertEquals("yamux: data frame of 4294967295 bytes on stream 1 exceeds the 16777216-byte limit",
        errors.get(2).getMessage());
  }
}
