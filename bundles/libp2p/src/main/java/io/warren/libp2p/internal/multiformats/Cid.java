package io.warren.libp2p.internal.multiformats;

import io.warren.api.Base58;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** The slice of CIDv1 that libp2p needs: {@code <version 1><codec><multihash>}, multibase encoded. */
public final class Cid {

    /** Multicodec {@code libp2p-key}: a CID whose multihash is a peer id. */
    public static final int LIBP2P_KEY = 0x72;

    private Cid() {
    }

    public static String encodeV1Base32(int codec, Multihash multihash) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Varint.write(out, 1);
        Varint.write(out, codec);
        out.writeBytes(multihash.toBytes());
        return Multibase.encodeBase32(out.toByteArray());
    }

    /** Decodes a multibase CIDv1 text that must carry {@code expectedCodec}; returns its multihash. */
    public static Multihash decodeV1(String text, int expectedCodec) {
        byte[] bytes = Multibase.decode(text);
        long[] version = Varint.decode(bytes, 0);
        if (version[0] != 1) {
            throw new IllegalArgumentException("cid: version " + version[0] + " (expected 1)");
        }
        long[] codec = Varint.decode(bytes, (int) version[1]);
        if (codec[0] != expectedCodec) {
            throw new IllegalArgumentException("cid: codec 0x" + Long.toHexString(codec[0])
                    + " (expected 0x" + Integer.toHexString(expectedCodec) + ")");
        }
        return Multihash.decode(Arrays.copyOfRange(bytes, (int) (version[1] + codec[1]), bytes.length));
    }

    /**
     * Parses a peer id in either text form the peer-id spec defines: a bare base58btc multihash
     * ({@code 1...}, {@code Qm...}) or a multibase CIDv1 with the libp2p-key codec ({@code bafz...}).
     */
    public static Multihash parsePeerIdMultihash(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("peer id: empty string");
        }
        if (text.startsWith("1") || text.startsWith("Qm")) {
            return Multihash.decode(Base58.decode(text));
        }
        return decodeV1(text, LIBP2P_KEY);
    }
}
