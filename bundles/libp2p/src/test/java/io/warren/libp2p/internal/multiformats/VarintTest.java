package io.warren.libp2p.internal.multiformats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class VarintTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void encodesSpecExamples() {
    assertEquals("01", HEX.formatHex(Varint.encode(1)));
    assertEquals("7f", HEX.formatHex(Varint.encode(127)));
    assertEquals("8001", HEX.formatHex(Varint.encode(128)));
    assertEquals("ff01", HEX.formatHex(Varint.encode(255)));
    assertEquals("ac02", HEX.formatHex(Varint.encode(300)));
    assertEquals("808001", HEX.formatHex(Varint.encode(16384)));
    assertEquals("ffffffffffffffff7f", HEX.formatHex(Varint.encode(Long.MAX_VALUE)));
  }

  @Test
  void roundTripsThroughByteBuf() {
    for (long v : new long[] {0, 1, 127, 128, 300, 65535, 1L << 35, Long.MAX_VALUE}) {
      ByteBuf buf = Unpooled.buffer();
      Varint.write(buf, v);
      assertEquals(Varint.size(v), buf.readableBytes());
      assertEquals(v, Varint.read(buf));
      assertEquals(0, buf.readableBytes());
    }
  }

  @Test
  void incompleteLeavesReaderIndexAlone() {
    ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80});
    assertEquals(Varint.INCOMPLETE, Varint.read(buf));
    assertEquals(0, buf.readerIndex());
  }

  @Test
  void rejectsNonMinimalAndOverlong() {
    assertThrows(IllegalArgumentException.class, () -> Varint.read(Unpooled.wrappedBuffer(HEX.parseHex("8100"))));
    assertThrows(IllegalArgumentException.class, () -> Varint.decode(HEX.parseHex("ffffffffffffffffff01"), 0));
    assertThrows(IllegalArgumentException.class, () -> Varint.encode(-1));
    assertArrayEquals(new long[] {300, 2}, Varint.decode(HEX.parseHex("ac02ff"), 0));
  }
}
