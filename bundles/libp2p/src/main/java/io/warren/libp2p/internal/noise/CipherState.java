package io.warren.libp2p.internal.noise;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise CipherState for ChaChaPoly: a 32-byte key and a 64-bit counter nonce, encoded as 4 zero bytes
 * followed by the little-endian counter. Nonce 2^64-1 is reserved, so the state refuses to go on
 * after 2^64-2 messages (the connection must be closed instead).
 */
final class CipherState {

    static final int TAG_LENGTH = 16;
    private static final byte[] ZERO_BLOCK = new byte[64];

    private final SecretKeySpec key;
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
        seal(ad, ByteBuffer.wrap(plaintext), out);
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

    /** Encrypts {@code in} (all remaining) into {@code out}; returns the bytes written (plaintext + 16). */
    int encrypt(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        return seal(null, in, out);
    }

    /** Decrypts {@code in} (all remaining) into {@code out}; returns the plaintext length. */
    int decrypt(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        if (in.remaining() < TAG_LENGTH) {
            throw new AEADBadTagException("ciphertext shorter than the authentication tag");
        }
        return open(null, in, out);
    }

    /** RFC 8439 AEAD encryption: ChaCha20 from block 1, Poly1305 keyed by block 0 over ad and ciphertext. */
    private int seal(byte[] ad, ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        int n = in.remaining();
        if (out.remaining() < n + TAG_LENGTH) {
            throw new javax.crypto.ShortBufferException("noise: output needs " + (n + TAG_LENGTH) + " bytes");
        }
        start(Cipher.ENCRYPT_MODE, ad);
        int ctStart = out.position();
        int written = chacha.doFinal(in, out);
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
        int written = chacha.doFinal(ct, out);
        in.position(in.limit());
        nonce++; // only after a successful decryption
        return written;
    }

    /** Keys ChaCha20 for this nonce, takes the Poly1305 key from block 0 and absorbs the padded ad. */
    private void start(int mode, byte[] ad) throws GeneralSecurityException {
        if (nonce == -1L) { // 2^64-1 as unsigned: reserved
            throw new GeneralSecurityException("noise: nonce space exhausted");
        }
        long n = nonce;
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
