package io.warren.libp2p.internal.noise;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise CipherState for ChaChaPoly: a 32-byte key and a 64-bit counter nonce, encoded as 4 zero bytes
 * followed by the little-endian counter. Nonce 2^64-1 is reserved, so the state refuses to go on
 * after 2^64-2 messages (the connection must be closed instead).
 *
 * <p>Transport messages ({@link #encrypt(ByteBuf, int, int, ByteBuf)}, {@link #decrypt(ByteBuf,
 * ByteBuf)}) go through OpenSSL when {@link NativeAead#AVAILABLE} and every piece is in direct
 * memory, else through the Java implementation below (the JDK's ChaCha20 and this package's
 * Poly1305); both give the same bytes, so they can alternate message by message. Handshake
 * messages always use Java. {@link #close()} frees the native context.
 */
final class CipherState {

  static final int TAG_LENGTH = 16;
  private static final byte[] ZERO_BLOCK = new byte[64];

  private final byte[] rawKey;
  private final SecretKeySpec key;
  /** OpenSSL context, made on first use. */
  private NativeAead.Context openssl;
  private boolean closed;
  /** Where a tag split across two pieces of a frame is gathered for OpenSSL. */
  private ByteBuffer straddledTag;
  /** Addresses and lengths of the pieces of the message being processed natively. */
  private long[] pieces = new long[8];
  /** ChaCha20 from the JDK (intrinsified on recent JDKs); Poly1305 is this package's own. */
  private Cipher chacha;
  /** The nonce ChaCha20 was last keyed with: the JDK refuses the same key and nonce twice in a row. */
  private long keyedNonce = -1;
  private final Poly1305 poly = new Poly1305();
  private final byte[] polyKey = new byte[64];
  private final byte[] tag = new byte[TAG_LENGTH];
  private final byte[] theirTag = new byte[TAG_LENGTH];
  private final byte[] lengths = new byte[16];
  private final byte[] nonceBytes = new byte[12];
  private long nonce;

  CipherState(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("noise: cipher key must be 32 bytes");
    }
    this.rawKey = key.clone();
    this.key = new SecretKeySpec(key, "ChaCha20");
    try {
      this.chacha = Cipher.getInstance("ChaCha20");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20 missing from the JDK", e);
    }
  }

  long nonce() {
    return nonce;
  }

  /** Test hook: continue from a given nonce. */
  void setNonce(long n) {
    this.nonce = n;
  }

  byte[] encryptWithAd(byte[] ad, byte[] plaintext) throws GeneralSecurityException {
    ByteBuffer out = ByteBuffer.allocate(plaintext.length + TAG_LENGTH);
    seal(ad, new ByteBuffer[] {ByteBuffer.wrap(plaintext)}, plaintext.length, out);
    return out.array();
  }

  byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws GeneralSecurityException {
    if (ciphertext.length < TAG_LENGTH) {
      throw new AEADBadTagException("ciphertext shorter than the authentication tag");
    }
    ByteBuffer out = ByteBuffer.allocate(ciphertext.length - TAG_LENGTH);
    open(ad, ByteBuffer.wrap(ciphertext), out);
    return out.array();
  }

  /**
   * Encrypts the {@code n} bytes of {@code in} from {@code index} (any buffer, composite too) and
   * appends ciphertext and tag to {@code out}, which must have {@code n + 16} writable bytes.
   */
  void encrypt(ByteBuf in, int index, int n, ByteBuf out) throws GeneralSecurityException {
    checkOpen();
    if (index < 0 || n < 0 || index > in.writerIndex() - n) { // native code gets raw addresses
      throw new IndexOutOfBoundsException("noise: " + n + " bytes at " + index + " of " + in);
    }
    if (out.writableBytes() < n + TAG_LENGTH) {
      throw new javax.crypto.ShortBufferException("noise: output needs " + (n + TAG_LENGTH) + " bytes");
    }
    int at = out.writerIndex();
    if (NativeAead.AVAILABLE) {
      int count = pieces(in, index, n);
      long dst = count < 0 ? 0 : address(out, at, n + TAG_LENGTH);
      if (dst != 0) {
        long ctx = openssl();
        boolean ok = NativeAead.begin(ctx, checkedNonce(), true);
        for (int i = 0; ok && i < count; i++) {
          int len = (int) pieces[2 * i + 1];
          ok = NativeAead.update(ctx, pieces[2 * i], dst, len);
          dst += len;
        }
        if (!ok || !NativeAead.seal(ctx, dst)) {
          throw new GeneralSecurityException("noise: OpenSSL failed to encrypt message " + nonce);
        }
        out.writerIndex(at + n + TAG_LENGTH);
        nonce++;
        return;
      }
    }
    ByteBuffer target = out.nioBuffer(at, n + TAG_LENGTH);
    seal(null, in.nioBuffers(index, n), n, target);
    out.writerIndex(at + n + TAG_LENGTH);
  }

  /**
   * Decrypts {@code frame} (all readable bytes: ciphertext and tag) and appends the plaintext to
   * {@code out}, which must have room for it. The frame's reader index is not moved.
   */
  void decrypt(ByteBuf frame, ByteBuf out) throws GeneralSecurityException {
    checkOpen();
    int len = frame.readableBytes();
    if (len < TAG_LENGTH) {
      throw new AEADBadTagException("ciphertext shorter than the authentication tag");
    }
    int n = len - TAG_LENGTH;
    if (out.writableBytes() < n) {
      throw new javax.crypto.ShortBufferException("noise: output needs " + n + " bytes");
    }
    int at = out.writerIndex();
    if (NativeAead.AVAILABLE) {
      int count = pieces(frame, frame.readerIndex(), len);
      long dst = count < 0 || n == 0 ? 0 : address(out, at, n); // an empty message writes nothing
      if (count >= 0 && (n == 0 || dst != 0)) {
        long ctx = openssl();
        boolean ok = NativeAead.begin(ctx, checkedNonce(), false);
        long tag = 0;
        boolean tagStarted = false;
        int left = n;
        for (int i = 0; ok && i < count; i++) {
          long src = pieces[2 * i];
          int pieceLen = (int) pieces[2 * i + 1];
          int ct = Math.min(pieceLen, left);
          if (ct > 0) {
            ok = NativeAead.update(ctx, src, dst, ct);
            dst += ct;
            left -= ct;
          }
          if (ct < pieceLen && !tagStarted) {
            tagStarted = true;
            tag = pieceLen - ct >= TAG_LENGTH ? src + ct : 0; // 0: it straddles pieces
          }
        }
        if (ok && tag == 0) { // the tag straddles pieces: gather it
          if (straddledTag == null) {
            straddledTag = ByteBuffer.allocateDirect(TAG_LENGTH);
          }
          frame.getBytes(frame.readerIndex() + n, straddledTag.clear());
          ok = NativeAead.open(ctx, NativeAead.address(straddledTag));
        } else {
          ok = ok && NativeAead.open(ctx, tag);
        }
        if (!ok) {
          throw new AEADBadTagException("noise: message authentication failed");
        }
        out.writerIndex(at + n);
        nonce++; // only after a successful decryption
        return;
      }
    }
    ByteBuffer ciphertext = frame.nioBuffer(frame.readerIndex(), len);
    int written = open(null, ciphertext, out.nioBuffer(at, n));
    out.writerIndex(at + written);
  }

  /** Frees the native context; any later use fails. */
  void close() {
    closed = true;
    if (openssl != null) {
      openssl.free();
      openssl = null;
    }
  }

  private void checkOpen() throws GeneralSecurityException {
    if (closed) {
      throw new GeneralSecurityException("noise: the connection's cipher state is closed");
    }
  }

  private long checkedNonce() throws GeneralSecurityException {
    if (nonce == -1L) { // 2^64-1 as unsigned: reserved
      throw new GeneralSecurityException("noise: nonce space exhausted");
    }
    return nonce;
  }

  private long openssl() {
    if (openssl == null) {
      openssl = NativeAead.context(rawKey);
    }
    return openssl.handle();
  }

  /**
   * Fills {@link #pieces} with the native addresses and lengths of {@code buf[index, index+n)};
   * returns how many, or -1 when some piece is not in direct memory.
   */
  private int pieces(ByteBuf buf, int index, int n) {
    if (buf.hasMemoryAddress()) {
      pieces[0] = buf.memoryAddress() + index;
      pieces[1] = n;
      return 1;
    }
    ByteBuffer[] parts = buf.nioBuffers(index, n);
    if (pieces.length < 2 * parts.length) {
      pieces = new long[2 * parts.length];
    }
    int count = 0;
    for (ByteBuffer part : parts) {
      if (!part.hasRemaining()) {
        continue;
      }
      long base = part.isDirect() ? NativeAead.address(part) : 0;
      if (base == 0) {
        return -1;
      }
      pieces[2 * count] = base + part.position();
      pieces[2 * count + 1] = part.remaining();
      count++;
    }
    return count;
  }

  /** Native address of {@code buf[index, index+len)}, or 0 when it is not one piece of direct memory. */
  private static long address(ByteBuf buf, int index, int len) {
    if (buf.hasMemoryAddress()) {
      return buf.memoryAddress() + index;
    }
    if (buf.nioBufferCount() != 1) {
      return 0;
    }
    ByteBuffer b = buf.nioBuffer(index, len);
    long base = b.isDirect() ? NativeAead.address(b) : 0;
    return base == 0 ? 0 : base + b.position();
  }

  /** RFC 8439 AEAD encryption: ChaCha20 from block 1, Poly1305 keyed by block 0 over ad and ciphertext. */
  private int seal(byte[] ad, ByteBuffer[] in, int n, ByteBuffer out) throws GeneralSecurityException {
    checkOpen();
    if (out.remaining() < n + TAG_LENGTH) {
      throw new javax.crypto.ShortBufferException("noise: output needs " + (n + TAG_LENGTH) + " bytes");
    }
    start(Cipher.ENCRYPT_MODE, ad);
    int ctStart = out.position();
    int written = 0;
    for (ByteBuffer piece : in) {
      written += chacha.update(piece, out);
    }
    if (written != n) {
      throw new GeneralSecurityException("noise: ChaCha20 wrote " + written + " of " + n + " bytes");
    }
    ByteBuffer ct = out.duplicate();
    ct.position(ctStart).limit(ctStart + n);
    poly.update(ct);
    finishTag(ad, n);
    out.put(tag);
    nonce++;
    return n + TAG_LENGTH;
  }

  private int open(byte[] ad, ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
    checkOpen();
    int n = in.remaining() - TAG_LENGTH;
    if (out.remaining() < n) {
      throw new javax.crypto.ShortBufferException("noise: output needs " + n + " bytes");
    }
    start(Cipher.DECRYPT_MODE, ad);
    ByteBuffer ct = in.duplicate();
    ct.limit(in.position() + n);
    poly.update(ct);
    finishTag(ad, n);
    ByteBuffer given = in.duplicate();
    given.position(in.position() + n);
    given.get(theirTag);
    if (!java.security.MessageDigest.isEqual(tag, theirTag)) {
      throw new AEADBadTagException("noise: message authentication failed");
    }
    int written = chacha.update(ct, out);
    in.position(in.limit());
    nonce++; // only after a successful decryption
    return written;
  }

  /** Keys ChaCha20 for this nonce, takes the Poly1305 key from block 0 and absorbs the padded ad. */
  private void start(int mode, byte[] ad) throws GeneralSecurityException {
    long n = checkedNonce();
    for (int i = 0; i < 8; i++) {
      nonceBytes[4 + i] = (byte) (n >>> (8 * i));
    }
    if (keyedNonce == n) {
      // the same nonce again (only after a message failed to authenticate): a fresh instance
      chacha = Cipher.getInstance("ChaCha20");
    }
    chacha.init(mode, key, new javax.crypto.spec.ChaCha20ParameterSpec(nonceBytes, 0));
    keyedNonce = n;
    chacha.update(ZERO_BLOCK, 0, 64, polyKey, 0); // block 0; the message starts at block 1
    poly.init(polyKey, 0);
    if (ad != null && ad.length > 0) {
      poly.update(ad, 0, ad.length);
      poly.padToBlock();
    }
  }

  private void finishTag(byte[] ad, long ctLength) {
    poly.padToBlock();
    long adLength = ad == null ? 0 : ad.length;
    for (int i = 0; i < 8; i++) {
      lengths[i] = (byte) (adLength >>> (8 * i));
      lengths[8 + i] = (byte) (ctLength >>> (8 * i));
    }
    poly.update(lengths, 0, 16);
    poly.finish(tag, 0);
  }
}
