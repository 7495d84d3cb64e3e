package io.warren.libp2p.internal.multiformats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.warren.api.Base58;
import io.warren.api.PeerId;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Base58 (the api's) and the peer id text forms as multiaddrs use them. */
class BaseEncodingTest {

  private static final java.util.HexFormat HEX = java.util.HexFormat.of();
  private static final byte IDENTITY = 0x00;
  private static final byte SHA2_256 = 0x12;

  @Test
  void base58KnownVectors() {
    String[][] vectors = {
        {"", ""},
        {"61", "2g"},
        {"626262", "a3gV"},
        {"636363", "aPEr"},
        {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
        {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
        {"00000000000000000000", "1111111111"},
    };
    for (String[] v : vectors) {
      assertEquals(v[1], Base58.encode(HEX.parseHex(v[0])));
      assertArrayEquals(HEX.parseHex(v[0]), Base58.decode(v[1]));
    }
    assertEquals("2NEpo7TZRRrLZSi2U", Base58.encode("Hello World!".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void base58RejectsCharactersOutsideTheAlphabet() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Base58.decode("abc0"));
    assertEquals("base58btc: invalid character '0' at position 3", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Base58.decode("Il"));
  }

  @Test
  void randomRoundTrips() {
    Random r = new Random(42);
    for (int i = 0; i < 200; i++) {
      byte[] b = new byte[r.nextInt(70)];
      r.nextBytes(b);
      if (b.length > 0 && r.nextBoolean()) {
        b[0] = 0;
      }
      assertArrayEquals(b, Base58.decode(Base58.encode(b)));
    }
  }

  @Test
  void peerIdTextFormsBothParse() {
    PeerId legacy = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
    assertEquals(SHA2_256, legacy.toBytes()[0]);
    PeerId cid = PeerId.parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
    assertEquals(SHA2_256, cid.toBytes()[0]);
    assertEquals("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", cid.toCidString());
    PeerId ed = PeerId.parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
    assertEquals(IDENTITY, ed.toBytes()[0]);
    assertEquals(PeerId.parse(ed.toCidString()), ed);
    // a CID with another codec (0x70 dag-pb) is not a peer id
    assertThrows(IllegalArgumentException.class,
        () -> PeerId.parse("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"));
  }

  @Test
  void overlongTextIsRefusedBeforeItIsDecoded() {
    String megabyte = "2".repeat(1 << 20); // quadratic BigInteger work if it were decoded
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Base58.decode(megabyte));
    assertEquals("base58btc: 1048576 characters (at most 1024 are decoded)", e.getMessage());
    assertEquals(750, Base58.decode("2".repeat(Base58.MAX_TEXT_LENGTH)).length, "up to the limit, text decodes");
    IllegalArgumentException p =
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("12D3KooW" + megabyte));
    assertEquals("not a peer ID: 1048584 characters (a peer ID has at most 128)", p.getMessage());
    String ed = "12D3KooWBiYy5X7McYXTQ1PnUC3ttzKmBudGg5MycoVqmty8QYQD";
    assertEquals(ed, PeerId.parse(ed).toString(), "real peer IDs are far below the limit");
    assertEquals(ed, PeerId.parse(PeerId.parse(ed).toCidString()).toString(), "and so is their CID form");
  }
}
