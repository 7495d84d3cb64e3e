package io.warren.libp2p.internal.multiformats;

import io.warren.api.Base58;
import java.util.Locale;

/** The two multibase encodings libp2p uses: {@code z} base58btc and {@code b} base32 (lower case, no padding). */
public final class Multibase {

    public static final char BASE58BTC = 'z';
    public static final char BASE32 = 'b';
    public static final char BASE32_UPPER = 'B';

    private Multibase() {
    }

    public static String encodeBase32(byte[] data) {
        return BASE32 + Base32.encode(data);
    }

    public static String encodeBase58(byte[] data) {
        return BASE58BTC + Base58.encode(data);
    }

    public static byte[] decode(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("multibase: empty string");
        }
        char prefix = text.charAt(0);
        String body = text.substring(1);
        switch (prefix) {
            case BASE58BTC:
                return Base58.decode(body);
            case BASE32:
                return Base32.decode(body);
            case BASE32_UPPER:
                if (!body.equals(body.toUpperCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("multibase: 'B' (base32upper) with lower case characters");
                }
                return Base32.decode(body.toLowerCase(Locale.ROOT));
            default:
                throw new IllegalArgumentException("multibase: unsupported prefix '" + prefix + "' (supported: z, b, B)");
        }
    }
}
