package io.warren.identity;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** Bech32 (BIP-173) as NIP-19 uses it for {@code npub}, {@code nsec} and friends. */
public final class Bech32 {
  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  private static final int[] GENERATOR = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  /** NIP-19 strings may be longer than BIP-173's 90 characters (TLV forms); this bounds them. */
  public static final int MAX_LENGTH = 5000;

  /** A decoded string: its human-readable part and its payload bytes. */
  public record Decoded(String hrp, byte[] data) {}

  private Bech32() {}

  public static String encode(String hrp, byte[] data) {
    byte[] values = convertBits(data, 8, 5, true);
    byte[] checksum = checksum(hrp, values);
    StringBuilder sb = new StringBuilder(hrp).append('1');
    for (byte v : values) {
      sb.append(CHARSET.charAt(v));
    }
    for (byte v : checksum) {
      sb.append(CHARSET.charAt(v));
    }
    return sb.toString();
  }

  /** @throws IllegalArgumentException saying what is wrong with {@code text} */
  public static Decoded decode(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("bech32 string longer than " + MAX_LENGTH + " characters");
    }
    if (!text.equals(text.toLowerCase(Locale.ROOT)) && !text.equals(text.toUpperCase(Locale.ROOT))) {
      throw new IllegalArgumentException("bech32 string mixes upper and lower case");
    }
    String s = text.toLowerCase(Locale.ROOT);
    int sep = s.lastIndexOf('1');
    if (sep < 1 || sep + 7 > s.length()) {
      throw new IllegalArgumentException("bech32 string has no human-readable part or is too short");
    }
    String hrp = s.substring(0, sep);
    byte[] values = new byte[s.length() - sep - 1];
    for (int i = 0; i < values.length; i++) {
      int v = CHARSET.indexOf(s.charAt(sep + 1 + i));
      if (v < 0) {
        throw new IllegalArgumentException("invalid bech32 character '" + s.charAt(sep + 1 + i) + "'");
      }
      values[i] = (byte) v;
    }
    if (polymod(hrp, values) != 1) {
      throw new IllegalArgumentException("bech32 checksum mismatch");
    }
    byte[] payload = new byte[values.length - 6];
    System.arraycopy(values, 0, payload, 0, payload.length);
    return new Decoded(hrp, convertBits(payload, 5, 8, false));
  }

  private static int polymod(String hrp, byte[] values) {
    int chk = 1;
    for (int i = 0; i < hrp.length(); i++) {
      chk = step(chk, hrp.charAt(i) >> 5);
    }
    chk = step(chk, 0);
    for (int i = 0; i < hrp.length(); i++) {
      chk = step(chk, hrp.charAt(i) & 31);
    }
    for (byte v : values) {
      chk = step(chk, v);
    }
    return chk;
  }

  private static int step(int chk, int value) {
    int top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (int i = 0; i < 5; i++) {
      if (((top >>> i) & 1) != 0) {
        chk ^= GENERATOR[i];
      }
    }
    return chk;
  }

  private static byte[] checksum(String hrp, byte[] values) {
    byte[] padded = new byte[values.length + 6];
    System.arraycopy(values, 0, padded, 0, values.length);
    int mod = polymod(hrp, padded) ^ 1;
    byte[] out = new byte[6];
    for (int i = 0; i < 6; i++) {
      out[i] = (byte) ((mod >>> (5 * (5 - i))) & 31);
    }
    return out;
  }

  private static byte[] convertBits(byte[] in, int from, int to, boolean pad) {
    int acc = 0;
    int bits = 0;
    int maxv = (1 << to) - 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte b : in) {
      acc = (acc << from) | (b & 0xff);
      bits += from;
      while (bits >= to) {
        bits -= to;
        out.write((acc >>> bits) & maxv);
      }
    }
    if (pad) {
      if (bits > 0) {
        out.write((acc << (to - bits)) & maxv);
      }
    } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
      throw new IllegalArgumentException("bech32 payload has invalid padding");
    }
    return out.toByteArray();
  }
}
