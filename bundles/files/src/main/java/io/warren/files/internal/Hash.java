package io.warren.files.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Locale;
import org.bouncycastle.crypto.digests.Blake3Digest;

/**
 * The algorithms chunks and whole files are verified with, by their code on the wire: SHA-256,
 * which every node has and which is the fallback, and BLAKE3 (Bouncy Castle's, 256-bit output).
 * Every digest is 32 bytes.
 */
enum Hash {
  SHA256(0, "sha256", "SHA-256"), BLAKE3(1, "blake3", "BLAKE3");

  static final int BYTES = 32;

  final int code;
  /** The name in configuration and in files:transfers. */
  final String label;
  /** The name in messages. */
  final String display;

  Hash(int code, String label, String display) {
    this.code = code;
    this.label = label;
    this.display = display;
  }

  /** The algorithm of {@code code}, or null for one this node does not know. */
  static Hash of(int code) {
    for (Hash h : values()) {
      if (h.code == code) {
        return h;
      }
    }
    return null;
  }

  /** The algorithm named {@code label} ({@code sha256} or {@code blake3}). */
  static Hash named(String label) {
    for (Hash h : values()) {
      if (h.label.equals(label.strip().toLowerCase(Locale.ROOT))) {
        return h;
      }
    }
    throw new IllegalArgumentException("unknown hash '" + label + "' (expected sha256 or blake3)");
  }

  Hasher hasher() {
    return this == SHA256 ? new Sha256() : new Blake3();
  }

  /** One running digest; {@link #digest()} returns it and starts over. */
  interface Hasher {
    void update(byte[] b, int off, int len);

    void update(ByteBuffer b);

    byte[] digest();
  }

  private static final class Sha256 implements Hasher {
    private final MessageDigest d = Wire.sha256();

    @Override
    public void update(byte[] b, int off, int len) {
      d.update(b, off, len);
    }

    @Override
    public void update(ByteBuffer b) {
      d.update(b);
    }

    @Override
    public byte[] digest() {
      return d.digest();
    }
  }

  private static final class Blake3 implements Hasher {
    private final Blake3Digest d = new Blake3Digest(BYTES * 8);
    private byte[] scratch;

    @Override
    public void update(byte[] b, int off, int len) {
      d.update(b, off, len);
    }

    @Override
    public void update(ByteBuffer b) {
      if (b.hasArray()) {
        d.update(b.array(), b.arrayOffset() + b.position(), b.remaining());
        b.position(b.limit());
        return;
      }
      if (scratch == null) {
        scratch = new byte[64 * 1024];
      }
      while (b.hasRemaining()) {
        int n = Math.min(scratch.length, b.remaining());
        b.get(scratch, 0, n);
        d.update(scratch, 0, n);
      }
    }

    @Override
    public byte[] digest() {
      byte[] out = new byte[BYTES];
      d.doFinal(out, 0);
      return out;
    }
  }
}
