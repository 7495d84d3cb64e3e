package io.warren.libp2p.internal.noise;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Poly1305 (RFC 8439 section 2.5) in radix 2^64: the accumulator is two 64-bit words and a few
 * bits above them, and the clamped key r is two words whose top one has its two low bits clear,
 * so a 16-byte block costs four 64x64-bit products plus two small ones. The JDK's own Poly1305
 * (26-bit limbs through a generic field class) was the hot spot of every Noise transfer on machines
 * without its AVX-512 intrinsic.
 *
 * <p>Not thread-safe; {@link #init} starts a new tag.
 */
final class Poly1305 {
  private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private long r0;
  private long r1;
  /** r1 + r1/4: multiplying by it folds 2^128 (= 5/4 mod p) back in. */
  private long s1;
  private long h0;
  private long h1;
  private long h2;
  private long pad0;
  private long pad1;
  private final byte[] partial = new byte[16];
  private final byte[] chunk = new byte[8192];
  private int partialLength;

  /** Starts a tag with the one-time 32-byte key {@code key[off..off+32)} (r, then s). */
  void init(byte[] key, int off) {
    r0 = (long) LE64.get(key, off) & 0x0ffffffc0fffffffL;
    r1 = (long) LE64.get(key, off + 8) & 0x0ffffffc0ffffffcL;
    s1 = r1 + (r1 >>> 2);
    pad0 = (long) LE64.get(key, off + 16);
    pad1 = (long) LE64.get(key, off + 24);
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
      blocks(partial, 0, 16, 1);
      partialLength = 0;
    }
    int whole = in.remaining() & ~15;
    if (in.hasArray()) {
      blocks(in.array(), in.arrayOffset() + in.position(), whole, 1);
      in.position(in.position() + whole);
    } else {
      // direct memory: through a small array, which the block loop reads fastest
      while (whole > 0) {
        int n = Math.min(whole, chunk.length);
        in.get(chunk, 0, n);
        blocks(chunk, 0, n, 1);
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
      Arrays.fill(partial, partialLength, 16, (byte) 0);
      blocks(partial, 0, 16, 1);
      partialLength = 0;
    }
  }

  /**
   * h = (h + block) * r mod 2^130 - 5 for each 16-byte block of {@code a[off..off+len)}, with
   * {@code hibit} (1, or 0 for a final short block padded by {@link #finish}) as the block's bit 128.
   */
  private void blocks(byte[] a, int off, int len, long hibit) {
    long a0 = h0;
    long a1 = h1;
    long a2 = h2;
    final long r0 = this.r0;
    final long r1 = this.r1;
    final long s1 = this.s1;
    for (int end = off + len; off < end; off += 16) {
      // h += block
      long m0 = (long) LE64.get(a, off);
      long m1 = (long) LE64.get(a, off + 8);
      long t = a0 + m0;
      long c = Long.compareUnsigned(t, a0) < 0 ? 1 : 0;
      a0 = t;
      t = a1 + m1;
      long c2 = Long.compareUnsigned(t, a1) < 0 ? 1 : 0;
      t += c;
      c2 |= (t == 0 && c == 1) ? 1 : 0;
      a1 = t;
      a2 += c2 + hibit;

      // d0 = a0*r0 + a1*s1, d1 = a0*r1 + a1*r0 + a2*s1, d2 = a2*r0 (r0, r1, s1 < 2^62, a2 small)
      long d0lo = a0 * r0;
      long d0hi = Math.multiplyHigh(a0, r0) + ((a0 >> 63) & r0);
      long p = a1 * s1;
      long ph = Math.multiplyHigh(a1, s1) + ((a1 >> 63) & s1);
      t = d0lo + p;
      d0hi += ph + (Long.compareUnsigned(t, p) < 0 ? 1 : 0);
      d0lo = t;

      long d1lo = a0 * r1;
      long d1hi = Math.multiplyHigh(a0, r1) + ((a0 >> 63) & r1);
      p = a1 * r0;
      ph = Math.multiplyHigh(a1, r0) + ((a1 >> 63) & r0);
      t = d1lo + p;
      d1hi += ph + (Long.compareUnsigned(t, p) < 0 ? 1 : 0);
      d1lo = t;
      p = a2 * s1; // a2 < 8, s1 < 2^62: no high part
      t = d1lo + p;
      d1hi += Long.compareUnsigned(t, p) < 0 ? 1 : 0;
      d1lo = t;

      long d2 = a2 * r0;

      // carry d0 -> d1 -> d2, then fold bits 130 and up back in: 2^130 = 5 (mod p)
      t = d1lo + d0hi;
      d1hi += Long.compareUnsigned(t, d0hi) < 0 ? 1 : 0;
      d1lo = t;
      d2 += d1hi;
      a0 = d0lo;
      a1 = d1lo;
      a2 = d2 & 3;
      c = (d2 & ~3L) + (d2 >>> 2); // (d2 >> 2) * 5
      t = a0 + c;
      c = Long.compareUnsigned(t, c) < 0 ? 1 : 0;
      a0 = t;
      t = a1 + c;
      c = (t == 0 && c == 1) ? 1 : 0;
      a1 = t;
      a2 += c;
    }
    h0 = a0;
    h1 = a1;
    h2 = a2;
  }

  /** Writes the 16-byte tag of everything absorbed to {@code out[off..off+16)}. */
  void finish(byte[] out, int off) {
    if (partialLength > 0) {
      partial[partialLength] = 1;
      Arrays.fill(partial, partialLength + 1, 16, (byte) 0);
      blocks(partial, 0, 16, 0);
      partialLength = 0;
    }
    // h mod p: g = h + 5; when g reaches 2^130, h >= p and g - 2^130 is the residue
    long g0 = h0 + 5;
    long c = Long.compareUnsigned(g0, 5) < 0 ? 1 : 0;
    long g1 = h1 + c;
    c = (g1 == 0 && c == 1) ? 1 : 0;
    long g2 = h2 + c;
    long useG = -(g2 >>> 2); // all ones when g >= 2^130
    long t0 = (h0 & ~useG) | (g0 & useG);
    long t1 = (h1 & ~useG) | (g1 & useG);
    // tag = (h + s) mod 2^128
    long w0 = t0 + pad0;
    c = Long.compareUnsigned(w0, pad0) < 0 ? 1 : 0;
    long w1 = t1 + pad1 + c;
    LE64.set(out, off, w0);
    LE64.set(out, off + 8, w1);
  }
}
