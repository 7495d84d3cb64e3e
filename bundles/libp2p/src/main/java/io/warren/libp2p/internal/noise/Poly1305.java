package io.warren.libp2p.internal.noise;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Poly1305 (RFC 8439 section 2.5) with the accumulator in three limbs of 44, 44 and 42 bits, so a
 * 16-byte block costs nine 64x64-bit multiplications ({@link Math#multiplyHigh} gives the high
 * halves). The JDK's own Poly1305 works in 26-bit limbs through a generic field class and was the
 * hot spot of every Noise transfer on machines without its AVX-512 intrinsic.
 *
 * <p>Not thread-safe; {@link #init} starts a new tag.
 */
final class Poly1305 {
  private static final long M44 = (1L << 44) - 1;
  private static final long M42 = (1L << 42) - 1;

  private long r0;
  private long r1;
  private long r2;
  private long s1;
  private long s2;
  private long h0;
  private long h1;
  private long h2;
  private long pad0;
  private long pad1;
  private final byte[] partial = new byte[16];
  private final byte[] chunk = new byte[8192];
  private static final java.lang.invoke.VarHandle LE64 =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private int partialLength;

  /** Starts a tag with the one-time 32-byte key {@code key[off..off+32)} (r, then s). */
  void init(byte[] key, int off) {
    ByteBuffer k = ByteBuffer.wrap(key, off, 32).order(ByteOrder.LITTLE_ENDIAN);
    long t0 = k.getLong();
    long t1 = k.getLong();
    // clamp r (RFC 8439 2.5) while splitting it into limbs
    r0 = t0 & 0xffc0fffffffL;
    r1 = ((t0 >>> 44) | (t1 << 20)) & 0xfffffc0ffffL;
    r2 = (t1 >>> 24) & 0x00ffffffc0fL;
    s1 = r1 * 20;
    s2 = r2 * 20;
    pad0 = k.getLong();
    pad1 = k.getLong();
    h0 = 0;
    h1 = 0;
    h2 = 0;
    partialLength = 0;
  }

  void update(byte[] data, int off, int len) {
    update(ByteBuffer.wrap(data, off, len));
  }

  /** Absorbs the remaining bytes of {@code data} (its position is left unchanged). */
  void update(ByteBuffer data) {
    ByteBuffer in = data.duplicate();
    if (partialLength > 0) {
      int n = Math.min(16 - partialLength, in.remaining());
      in.get(partial, partialLength, n);
      partialLength += n;
      if (partialLength < 16) {
        return;
      }
      blocks(partial, 0, 16);
      partialLength = 0;
    }
    int whole = in.remaining() & ~15;
    if (in.hasArray()) {
      blocks(in.array(), in.arrayOffset() + in.position(), whole);
      in.position(in.position() + whole);
    } else {
      // direct memory: through a small array, which the block loop reads fastest
      while (whole > 0) {
        int n = Math.min(whole, chunk.length);
        in.get(chunk, 0, n);
        blocks(chunk, 0, n);
        whole -= n;
      }
    }
    int rest = in.remaining();
    if (rest > 0) {
      in.get(partial, 0, rest);
      partialLength = rest;
    }
  }

  /** Pads the absorbed length to a multiple of 16 with zeros (the AEAD's pad16). */
  void padToBlock() {
    if (partialLength > 0) {
      java.util.Arrays.fill(partial, partialLength, 16, (byte) 0);
      blocks(partial, 0, 16);
      partialLength = 0;
    }
  }

  /** Absorbs {@code len} (a multiple of 16) bytes of full blocks, with the accumulator in locals. */
  private void blocks(byte[] a, int off, int len) {
    long a0 = h0;
    long a1 = h1;
    long a2 = h2;
    final long r0 = this.r0;
    final long r1 = this.r1;
    final long r2 = this.r2;
    final long s1 = this.s1;
    final long s2 = this.s2;
    for (int end = off + len; off < end; off += 16) {
      long t0 = (long) LE64.get(a, off);
      long t1 = (long) LE64.get(a, off + 8);
      a0 += t0 & M44;
      a1 += ((t0 >>> 44) | (t1 << 20)) & M44;
      a2 += ((t1 >>> 24) & M42) | (1L << 40);

      long p = a0 * r0;
      long q = Math.multiplyHigh(a0, r0);
      long l0 = p & M44;
      long g0 = (p >>> 44) | (q << 20);
      p = a1 * s2;
      q = Math.multiplyHigh(a1, s2);
      l0 += p & M44;
      g0 += (p >>> 44) | (q << 20);
      p = a2 * s1;
      q = Math.multiplyHigh(a2, s1);
      l0 += p & M44;
      g0 += (p >>> 44) | (q << 20);

      p = a0 * r1;
      q = Math.multiplyHigh(a0, r1);
      long l1 = p & M44;
      long g1 = (p >>> 44) | (q << 20);
      p = a1 * r0;
      q = Math.multiplyHigh(a1, r0);
      l1 += p & M44;
      g1 += (p >>> 44) | (q << 20);
      p = a2 * s2;
      q = Math.multiplyHigh(a2, s2);
      l1 += p & M44;
      g1 += (p >>> 44) | (q << 20);

      p = a0 * r2;
      q = Math.multiplyHigh(a0, r2);
      long l2 = p & M44;
      long g2 = (p >>> 44) | (q << 20);
      p = a1 * r1;
      q = Math.multiplyHigh(a1, r1);
      l2 += p & M44;
      g2 += (p >>> 44) | (q << 20);
      p = a2 * r0;
      q = Math.multiplyHigh(a2, r0);
      l2 += p & M44;
      g2 += (p >>> 44) | (q << 20);

      a0 = l0 & M44;
      long c = (l0 >>> 44) + g0;
      long t = l1 + c;
      a1 = t & M44;
      c = (t >>> 44) + g1;
      t = l2 + c;
      a2 = t & M42;
      c = (t >>> 42) + (g2 << 2);
      a0 += c * 5;
      c = a0 >>> 44;
      a0 &= M44;
      a1 += c;
    }
    h0 = a0;
    h1 = a1;
    h2 = a2;
  }

  /** h = (h + block) * r mod 2^130 - 5, for a block of two little-endian words and its high bit. */
  private void block(long t0, long t1, long hibit) {
    long a0 = h0 + (t0 & M44);
    long a1 = h1 + (((t0 >>> 44) | (t1 << 20)) & M44);
    long a2 = h2 + (((t1 >>> 24) & M42) | hibit);

    // d0 = a0*r0 + a1*s2 + a2*s1, d1 = a0*r1 + a1*r0 + a2*s2, d2 = a0*r2 + a1*r1 + a2*r0: each
    // product (under 2^94) is split at bit 44 into its low 44 bits and the rest, which sum
    // without overflow, so no carries between 64-bit halves need checking
    long p = a0 * r0;
    long q = Math.multiplyHigh(a0, r0);
    long l0 = p & M44;
    long g0 = (p >>> 44) | (q << 20);
    p = a1 * s2;
    q = Math.multiplyHigh(a1, s2);
    l0 += p & M44;
    g0 += (p >>> 44) | (q << 20);
    p = a2 * s1;
    q = Math.multiplyHigh(a2, s1);
    l0 += p & M44;
    g0 += (p >>> 44) | (q << 20);

    p = a0 * r1;
    q = Math.multiplyHigh(a0, r1);
    long l1 = p & M44;
    long g1 = (p >>> 44) | (q << 20);
    p = a1 * r0;
    q = Math.multiplyHigh(a1, r0);
    l1 += p & M44;
    g1 += (p >>> 44) | (q << 20);
    p = a2 * s2;
    q = Math.multiplyHigh(a2, s2);
    l1 += p & M44;
    g1 += (p >>> 44) | (q << 20);

    p = a0 * r2;
    q = Math.multiplyHigh(a0, r2);
    long l2 = p & M44;
    long g2 = (p >>> 44) | (q << 20);
    p = a1 * r1;
    q = Math.multiplyHigh(a1, r1);
    l2 += p & M44;
    g2 += (p >>> 44) | (q << 20);
    p = a2 * r0;
    q = Math.multiplyHigh(a2, r0);
    l2 += p & M44;
    g2 += (p >>> 44) | (q << 20);

    // partial reduction: carry limb to limb, the carry out of 2^130 times 5 back into the lowest
    long t = l0;
    a0 = t & M44;
    long c = (t >>> 44) + g0;
    t = l1 + c;
    a1 = t & M44;
    c = (t >>> 44) + g1;
    t = l2 + c;
    a2 = t & M42;
    c = (t >>> 42) + (g2 << 2);
    a0 += c * 5;
    c = a0 >>> 44;
    a0 &= M44;
    a1 += c;
    h0 = a0;
    h1 = a1;
    h2 = a2;
  }

  /** Writes the 16-byte tag of everything absorbed to {@code out[off..off+16)}. */
  void finish(byte[] out, int off) {
    if (partialLength > 0) {
      partial[partialLength] = 1;
      java.util.Arrays.fill(partial, partialLength + 1, 16, (byte) 0);
      ByteBuffer p = ByteBuffer.wrap(partial).order(ByteOrder.LITTLE_ENDIAN);
      block(p.getLong(0), p.getLong(8), 0);
      partialLength = 0;
    }
    long a0 = h0;
    long a1 = h1;
    long a2 = h2;
    // full carry
    long c = a1 >>> 44;
    a1 &= M44;
    a2 += c;
    c = a2 >>> 42;
    a2 &= M42;
    a0 += c * 5;
    c = a0 >>> 44;
    a0 &= M44;
    a1 += c;
    c = a1 >>> 44;
    a1 &= M44;
    a2 += c;
    c = a2 >>> 42;
    a2 &= M42;
    a0 += c * 5;
    c = a0 >>> 44;
    a0 &= M44;
    a1 += c;
    // g = h + 5 - 2^130; take g when it did not go negative (h >= p)
    long g0 = a0 + 5;
    c = g0 >>> 44;
    g0 &= M44;
    long g1 = a1 + c;
    c = g1 >>> 44;
    g1 &= M44;
    long g2 = a2 + c - (1L << 42);
    long useG = (g2 >>> 63) - 1; // all ones when g2 >= 0
    a0 = (a0 & ~useG) | (g0 & useG);
    a1 = (a1 & ~useG) | (g1 & useG);
    a2 = (a2 & ~useG) | (g2 & useG);
    // tag = (h + s) mod 2^128
    a0 += pad0 & M44;
    c = a0 >>> 44;
    a0 &= M44;
    a1 += (((pad0 >>> 44) | (pad1 << 20)) & M44) + c;
    c = a1 >>> 44;
    a1 &= M44;
    a2 += ((pad1 >>> 24) & M42) + c;
    a2 &= M42;
    long w0 = a0 | (a1 << 44);
    long w1 = (a1 >>> 20) | (a2 << 24);
    ByteBuffer.wrap(out, off, 16).order(ByteOrder.LITTLE_ENDIAN).putLong(w0).putLong(w1);
  }
}
