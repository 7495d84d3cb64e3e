package io.warren.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class Bip340Test {
  private static final HexFormat HEX = HexFormat.of();

  private static List<String[]> rows(List<String> lines) {
    return lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
  }

  @Test
  void everyFinalVectorGivesItsResult() throws IOException {
    List<String[]> rows;
    try (var in = Bip340Test.class.getResourceAsStream("/bip340-final-vectors.csv")) {
      rows = rows(
          List.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip().split("\r?\n")));
    }
    for (String[] f : rows) {
      byte[] pub = HEX.parseHex(f[2].toLowerCase());
      byte[] msg = HEX.parseHex(f[4].toLowerCase());
      byte[] sig = HEX.parseHex(f[5].toLowerCase());
      if (!f[1].isEmpty()) {
        byte[] secret = HEX.parseHex(f[1].toLowerCase());
        assertArrayEquals(pub, Bip340.publicKey(secret), "public key of vector " + f[0]);
        assertArrayEquals(sig, Bip340.sign(secret, msg, HEX.parseHex(f[3].toLowerCase())),
            "signature of vector " + f[0]);
      }
      assertEquals(f[6].equals("TRUE"), Bip340.verify(pub, msg, sig), "verification of vector " + f[0] + " " + f[7]);
    }
    assertEquals(19, rows.size());
  }

  @Test
  void theWrittenOutGroupOrderIsTheCurves() {
    assertEquals(Bip340.Curve.PARAMS.getN(), Bip340.N);
  }

  @Test
  void signAndVerifyWithFreshKeys() {
    byte[] secret = Bip340.newSecretKey();
    byte[] msg = new byte[32];
    msg[0] = 7;
    byte[] sig = Bip340.sign(secret, msg);
    assertTrue(Bip340.verify(Bip340.publicKey(secret), msg, sig));
    msg[0] = 8;
    assertFalse(Bip340.verify(Bip340.publicKey(secret), msg, sig));
  }
}
