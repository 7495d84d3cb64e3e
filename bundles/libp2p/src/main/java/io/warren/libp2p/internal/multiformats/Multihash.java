package io.warren.libp2p.internal.multiformats;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A multihash: {@code <varint code><varint length><digest>}. Only identity and sha2-256 are produced. */
public final class Multihash {

    public static final int IDENTITY = 0x00;
    public static final int SHA2_256 = 0x12;
    /** An identity multihash never needs to hold more than a serialized public key; bounds parsing of junk. */
    public static final int MAX_DIGEST_LENGTH = 1024;

    private final int code;
    private final byte[] digest;

    private Multihash(int code, byte[] digest) {
        this.code = code;
        this.digest = digest;
    }

    public static Multihash of(int code, byte[] digest) {
        if (code == SHA2_256 && digest.length != 32) {
            throw new IllegalArgumentException("multihash: sha2-256 digest must be 32 bytes, got " + digest.length);
        }
        if (digest.length > MAX_DIGEST_LENGTH) {
            throw new IllegalArgumentException("multihash: digest of " + digest.length + " bytes exceeds " + MAX_DIGEST_LENGTH);
        }
        return new Multihash(code, digest.clone());
    }

    public static Multihash identity(byte[] data) {
        return of(IDENTITY, data);
    }

    public static Multihash sha256(byte[] data) {
        try {
            return new Multihash(SHA2_256, MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** Decodes a whole byte array as one multihash; trailing bytes are an error. */
    public static Multihash decode(byte[] bytes) {
        long[] c = Varint.decode(bytes, 0);
        long[] l = Varint.decode(bytes, (int) c[1]);
        int offset = (int) (c[1] + l[1]);
        if (c[0] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("multihash: code " + c[0] + " out of range");
        }
        if (l[0] != bytes.length - offset) {
            throw new IllegalArgumentException("multihash: length field says " + l[0] + " bytes, "
                    + (bytes.length - offset) + " present");
        }
        return of((int) c[0], Arrays.copyOfRange(bytes, offset, bytes.length));
    }

    public int code() {
        return code;
    }

    public byte[] digest() {
        return digest.clone();
    }

    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(digest.length + 4);
        Varint.write(out, code);
        Varint.write(out, digest.length);
        out.writeBytes(digest);
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Multihash m && m.code == code && Arrays.equals(m.digest, digest);
    }

    @Override
    public int hashCode() {
        return 31 * code + Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return "Multihash(0x" + Integer.toHexString(code) + ", " + HexFormat.of().formatHex(digest) + ")";
    }
}
