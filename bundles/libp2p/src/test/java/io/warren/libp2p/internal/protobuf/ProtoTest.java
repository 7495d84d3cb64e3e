package io.warren.libp2p.internal.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ProtoTest {

  @Test
  void writesAndReadsFieldsSkippingUnknownOnes() {
    byte[] msg = new ProtoWriter().varint(1, 300).string(2, "/yamux/1.0.0").bytes(9, new byte[] {1, 2}).toByteArray();
    assertEquals("08ac02120c2f79616d75782f312e302e304a020102", HexFormat.of().formatHex(msg));
    ProtoReader r = new ProtoReader(msg);
    assertTrue(r.next());
    assertEquals(1, r.field());
    assertEquals(300, r.readVarint());
    assertTrue(r.next());
    assertEquals("/yamux/1.0.0", r.readString());
    assertTrue(r.next());
    r.skip();
    assertFalse(r.next());
  }

  @Test
  void truncatedAndMistypedFieldsAreErrors() {
    ProtoReader r = new ProtoReader(HexFormat.of().parseHex("1205ab"));
    assertTrue(r.next());
    assertEquals("protobuf: field 2 claims 5 bytes, 1 left",
        assertThrows(IllegalArgumentException.class, r::readBytes).getMessage());
    ProtoReader t = new ProtoReader(HexFormat.of().parseHex("0801"));
    t.next();
    assertEquals("protobuf: field 1 has wire type 0 (expected 2)",
        assertThrows(IllegalArgumentException.class, t::readBytes).getMessage());
    ProtoReader g = new ProtoReader(HexFormat.of().parseHex("0b"));
    g.next();
    assertThrows(IllegalArgumentException.class, g::skip);
  }
}
