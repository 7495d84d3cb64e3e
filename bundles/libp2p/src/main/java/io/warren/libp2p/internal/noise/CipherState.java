package io.warren.libp2p.internal.noise;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise CipherState for ChaChaPoly: a 32-byte key and a 64-bit counter nonce, encoded as 4 zero bytes
 * followed by the little-endian counter. Nonce 2^64-1 is reserved, so the state refuses to go on
 * after 2^64-2 messages (the connection must be closed instead).
 */
final class CipherState {

    static final int TAG_LENGTH = 16;

    private final SecretKeySpec key;
    private final Cipher cipher;
    private final byte[] nonceBytes = new byte[12];
    private long nonce;

    CipherState(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("noise: cipher key must be 32 bytes");
        }
        this.key = new SecretKeySpec(key, "ChaCha20");
        try {
            this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 missing from the JDK", e);
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
        init(Cipher.ENCRYPT_MODE, ad);
        byte[] out = cipher.doFinal(plaintext);
        nonce++;
        return out;
    }

    byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws GeneralSecurityException {
        if (ciphertext.length < TAG_LENGTH) {
            throw new AEADBadTagException("ciphertext shorter than the authentication tag");
        }
        init(Cipher.DECRYPT_MODE, ad);
        byte[] out = cipher.doFinal(ciphertext);
        nonce++; // only after a successful decryption
        return out;
    }

    /** Encrypts {@code in} (all remaining) into {@code out}; returns the bytes written (plaintext + 16). */
    int encrypt(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        init(Cipher.ENCRYPT_MODE, null);
        int n = cipher.doFinal(in, out);
        nonce++;
        return n;
    }

    /** Decrypts {@code in} (all remaining) into {@code out}; returns the plaintext length. */
    int decrypt(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        if (in.remaining() < TAG_LENGTH) {
            throw new AEADBadTagException("ciphertext shorter than the authentication tag");
        }
        init(Cipher.DECRYPT_MODE, null);
        int n = cipher.doFinal(in, out);
        nonce++;
        return n;
    }

    private void init(int mode, byte[] ad) throws GeneralSecurityException {
        if (nonce == -1L) { // 2^64-1 as unsigned: reserved
            throw new GeneralSecurityException("noise: nonce space exhausted");
        }
        long n = nonce;
        for (int i = 0; i < 8; i++) {
            nonceBytes[4 + i] = (byte) (n >>> (8 * i));
        }
        cipher.init(mode, key, new IvParameterSpec(nonceBytes));
        if (ad != null && ad.length > 0) {
            cipher.updateAAD(ad);
        }
    }
}
