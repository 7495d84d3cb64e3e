package io.warren.api;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

/**
 * A libp2p peer ID: the multihash of a peer's serialized public key (the libp2p {@code PublicKey}
 * protobuf), inlined as an identity multihash when the protobuf is at most 42 bytes (Ed25519,
 * secp256k1) and hashed with sha2-256 otherwise (RSA, ECDSA). The one peer ID type of the node:
 * parsed once where text comes in, then passed around typed.
 *
 * <p>Text forms (peer-ids spec): base58btc of the multihash ({@code 12D3KooW...}, {@code Qm...}),
 * canonical; and a CIDv1 with the {@code libp2p-key} codec in multibase base32 ({@code bafz...}).
 */
public final class PeerId {
  /** Serialized keys up to this many bytes are inlined in an identity multihash. */
  public static final int MAX_INLINE_KEY_LENGTH = 42;

  private static final int IDENTITY = 0x00;
  private static final int SHA2_256 = 0x12;
  private static final int LIBP2P_KEY_CODEC = 0x72;
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  /**
   * The longest text form {@link #parse} accepts: the longest multihash (an inlined 42-byte key)
   * is about 60 base58 digits or 76 base32 characters as a CID; longer text is refused before it
   * is decoded.
   */
  public static final int MAX_TEXT_LENGTH = 128;

  private final byte[] multihash;
  private final String text;

  private PeerId(byte[] multihash) {
    checkMultihash(multihash);
    this.multihash = multihash;
    this.text = Base58.encode(multihash);
  }

  /** The peer ID of a serialized libp2p public key (its {@code PublicKey} protobuf). */
  public static PeerId ofPublicKey(byte[] keyProtobuf) {
    if (keyProtobuf.length <= MAX_INLINE_KEY_LENGTH) {
      byte[] mh = new byte[2 + keyProtobuf.length];
      mh[0] = IDENTITY;
      mh[1] = (byte) keyProtobuf.length;
      System.arraycopy(keyProtobuf, 0, mh, 2, keyProtobuf.length);
      return new PeerId(mh);
    }
    byte[] mh = new byte[34];
    mh[0] = SHA2_256;
    mh[1] = 32;
    System.arraycopy(sha256(keyProtobuf), 0, mh, 2, 32);
    return new PeerId(mh);
  }

  /** The peer ID of a raw 32-byte Ed25519 public key ({@code 12D3KooW...}). */
  public static PeerId ofEd25519(byte[] rawKey) {
    return ofPublicKey(ed25519Protobuf(rawKey));
  }

  /** From the binary form (the multihash), as multiaddrs and protocol messages carry it. */
  public static PeerId fromBytes(byte[] multihash) {
    return new PeerId(multihash.clone());
  }

  /**
   * Parses either text form.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text}
   */
  public static PeerId parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("peer ID: empty");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException("not a peer ID: " + text.length() + " characters (a peer ID has at most "
          + MAX_TEXT_LENGTH + ")");
    }
    try {
      if (text.startsWith("1") || text.startsWith("Qm")) {
        return new PeerId(Base58.decode(text));
      }
      if (text.startsWith("b")) {
        return new PeerId(fromCid(base32(text.substring(1))));
      }
      throw new IllegalArgumentException("expected base58btc (12D3KooW..., Qm...) or a base32 CID (bafz...)");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a peer ID: '" + text + "': " + e.getMessage(), e);
    }
  }

  /** Whether {@code text} parses as a peer ID. */
  public static boolean isPeerId(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The multihash bytes (a copy). */
  public byte[] toBytes() {
    return multihash.clone();
  }

  /** The public key protobuf inlined in an identity peer ID, if this is one. */
  public Optional<byte[]> inlinedKey() {
    return multihash[0] == IDENTITY ? Optional.of(Arrays.copyOfRange(multihash, 2, multihash.length))
        : Optional.empty();
  }

  /** The raw Ed25519 key of an Ed25519 peer ID, if this is one. */
  public Optional<byte[]> ed25519Key() {
    return inlinedKey()
        .filter(pb -> pb.length == 36 && pb[0] == 0x08 && pb[1] == 0x01 && pb[2] == 0x12 && pb[3] == 0x20)
        .map(pb -> Arrays.copyOfRange(pb, 4, 36));
  }

  /** The CIDv1 base32 text form ({@code bafz...}). */
  public String toCidString() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(1);
    out.write(LIBP2P_KEY_CODEC);
    out.writeBytes(multihash);
    StringBuilder sb = new StringBuilder("b");
    int buffer = 0;
    int bits = 0;
    for (byte b : out.toByteArray()) {
      buffer = (buffer << 8) | (b & 0xFF);
      bits += 8;
      while (bits >= 5) {
        sb.append(BASE32.charAt((buffer >>> (bits - 5)) & 0x1F));
        bits -= 5;
      }
    }
    if (bits > 0) {
      sb.append(BASE32.charAt((buffer << (5 - bits)) & 0x1F));
    }
    return sb.toString();
  }

  /** The libp2p {@code PublicKey} protobuf of a raw 32-byte Ed25519 key: {Type: Ed25519, Data: key}. */
  public static byte[] ed25519Protobuf(byte[] rawKey) {
    if (rawKey.length != 32) {
      throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + rawKey.length);
    }
    byte[] pb = new byte[36];
    pb[0] = 0x08; // field 1 (Type), varint
    pb[1] = 0x01; // Ed25519
    pb[2] = 0x12; // field 2 (Data), length-delimited
    pb[3] = 0x20; // 32 bytes
    System.arraycopy(rawKey, 0, pb, 4, 32);
    return pb;
  }

  private static void checkMultihash(byte[] mh) {
    if (mh.length < 2) {
      throw new IllegalArgumentException("multihash of " + mh.length + " bytes is too short");
    }
    int code = mh[0] & 0xFF;
    int length = mh[1] & 0xFF;
    if (code != IDENTITY && code != SHA2_256) {
      throw new IllegalArgumentException("multihash code 0x" + Integer.toHexString(code)
          + " (expected identity 0x00 or sha2-256 0x12)");
    }
    if (length > 127 || length != mh.length - 2) {
      throw new IllegalArgumentException("multihash says " + length + " digest bytes, has " + (mh.length - 2));
    }
    if (code == SHA2_256 && length != 32) {
      throw new IllegalArgumentException("sha2-256 multihash of " + length + " bytes (expected 32)");
    }
    if (code == IDENTITY && length > MAX_INLINE_KEY_LENGTH) {
      throw new IllegalArgumentException("identity multihash of " + length + " bytes (at most "
          + MAX_INLINE_KEY_LENGTH + ")");
    }
  }

  private static byte[] fromCid(byte[] cid) {
    if (cid.length < 3 || cid[0] != 1) {
      throw new IllegalArgumentException("CID version " + (cid.length == 0 ? "none" : cid[0]) + " (expected 1)");
    }
    if ((cid[1] & 0xFF) != LIBP2P_KEY_CODEC) {
      throw new IllegalArgumentException(
          "CID codec 0x" + Integer.toHexString(cid[1] & 0xFF) + " (expected libp2p-key 0x72)");
    }
    return Arrays.copyOfRange(cid, 2, cid.length);
  }

  private static byte[] base32(String text) {
    byte[] out = new byte[text.length() * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      int v = BASE32.indexOf(text.charAt(i));
      if (v < 0) {
        throw new IllegalArgumentException("base32: invalid character '" + text.charAt(i) + "' at position " + i);
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out[n++] = (byte) (buffer >>> (bits - 8));
        bits -= 8;
      }
    }
    if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) {
      throw new IllegalArgumentException("base32: invalid length or trailing bits");
    }
    return out;
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId p && Arrays.equals(p.multihash, multihash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(multihash);
  }

  /** The canonical base58btc text ({@code 12D3KooW...}). */
  @Override
  public String toString() {
    return text;
  }
}
