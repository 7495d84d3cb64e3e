package io.warren.libp2p.internal.echo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** The echo check must notice a lost, repeated or altered byte wherever it falls. */
class EchoPatternTest {
  @Test
  void writtenBytesMatchAndAnyChangeIsCaught() {
    Echo.Pattern p = new Echo.Pattern(0x5EED);
    long pos = 65536L * 3 - 5; // starts 5 bytes before a block boundary: a stamp inside the range
    int n = 65536 * 2 + 100;
    ByteBuf b = Unpooled.buffer(n);
    p.write(b, pos, n);
    byte[] got = ByteBufUtil.getBytes(b);
    assertTrue(p.matches(got, pos, n));
    assertTrue(p.matches(java.util.Arrays.copyOfRange(got, 7, 20), pos + 7, 13), "a piece at its own offset");
    assertFalse(p.matches(got, pos + 65536, n), "the same bytes one block later (a repeated block)");
    assertFalse(p.matches(got, pos + 1, n - 1), "shifted by one byte (a lost byte)");
    for (int at : new int[] {0, 4, 5, 6, 12, 13, 500, 65541, n - 1}) {
      got[at] ^= 1;
      assertFalse(p.matches(got, pos, n), "byte " + at + " changed");
      got[at] ^= 1;
    }
  }
}
