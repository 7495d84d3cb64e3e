package io.warren.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.Base58;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EncodingsTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void nip19Examples() {
    assertEquals("npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6",
        Bech32.encode("npub", HEX.parseHex("3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d")));
    Bech32.Decoded npub = Bech32.decode("npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg");
    assertEquals("npub", npub.hrp());
    assertEquals("7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e", HEX.formatHex(npub.data()));
    assertEquals("nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5",
        Bech32.encode("nsec", HEX.parseHex("67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa")));
  }

  @Test
  void bech32RejectsCorruption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Bech32.decode("npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptq"));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Bech32.decode("npub1Belfcs"));
  }

  @Test
  void base58RoundTripsAndKeepsLeadingZeros() {
    assertEquals("2NEpo7TZRRrLZSi2U", Base58.encode("Hello World!".getBytes(StandardCharsets.US_ASCII)));
    byte[] data = {0, 0, 1, 2, (byte) 255};
    assertEquals("11", Base58.encode(new byte[2]).substring(0, 2));
    assertArrayEquals(data, Base58.decode(Base58.encode(data)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Base58.decode("12D3KooW0"));
    assertTrue(e.getMessage().contains("'0'"), e.getMessage());
  }

  @Test
  void ed25519PeerIdIsTheIdentityMultihashOfTheKeyProtobuf() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 0x42);
    String id = io.warren.api.PeerId.ofEd25519(key).toString();
    assertTrue(id.startsWith("12D3KooW"), id);
    byte[] mh = Base58.decode(id);
    assertEquals("00240801122042", HEX.formatHex(mh, 0, 7));
    assertEquals(38, mh.length);
  }
}
