package io.warren.libp2p.internal.multiformats;

import io.warren.api.Base58;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BaseEncodingTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void base58KnownVectors() {
        String[][] vectors = {
            {"", ""},
            {"61", "2g"},
            {"626262", "a3gV"},
            {"636363", "aPEr"},
            {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
            {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
            {"00000000000000000000", "1111111111"},
        };
        for (String[] v : vectors) {
            assertEquals(v[1], Base58.encode(HEX.parseHex(v[0])));
            assertArrayEquals(HEX.parseHex(v[0]), Base58.decode(v[1]));
        }
        assertEquals("2NEpo7TZRRrLZSi2U", Base58.encode("Hello World!".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void base58RejectsCharactersOutsideTheAlphabet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Base58.decode("abc0"));
        assertEquals("base58btc: invalid character '0' at position 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Base58.decode("Il"));
    }

    @Test
    void base32Rfc4648Vectors() {
        String[][] vectors = {{"", ""}, {"f", "my"}, {"fo", "mzxq"}, {"foo", "mzxw6"}, {"foob", "mzxw6yq"},
            {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}};
        for (String[] v : vectors) {
            byte[] raw = v[0].getBytes(StandardCharsets.US_ASCII);
            assertEquals(v[1], Base32.encode(raw));
            assertArrayEquals(raw, Base32.decode(v[1]));
        }
        assertThrows(IllegalArgumentException.class, () -> Base32.decode("my======"));
        assertThrows(IllegalArgumentException.class, () -> Base32.decode("mz")); // non-zero trailing bits
    }

    @Test
    void randomRoundTrips() {
        Random r = new Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[r.nextInt(70)];
            r.nextBytes(b);
            if (b.length > 0 && r.nextBoolean()) {
                b[0] = 0;
            }
            assertArrayEquals(b, Base58.decode(Base58.encode(b)));
            assertArrayEquals(b, Base32.decode(Base32.encode(b)));
            assertArrayEquals(b, Multibase.decode(Multibase.encodeBase32(b)));
            assertArrayEquals(b, Multibase.decode(Multibase.encodeBase58(b)));
        }
    }

    @Test
    void multibaseRejectsUnknownPrefix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Multibase.decode("fdeadbeef"));
        assertEquals("multibase: unsupported prefix 'f' (supported: z, b, B)", e.getMessage());
    }

    @Test
    void multihashIdentityAndSha256() {
        Multihash id = Multihash.identity(HEX.parseHex("0102"));
        assertEquals("00020102", HEX.formatHex(id.toBytes()));
        assertEquals(id, Multihash.decode(id.toBytes()));
        Multihash sha = Multihash.sha256("foo".getBytes(StandardCharsets.US_ASCII));
        assertEquals("12202c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", HEX.formatHex(sha.toBytes()));
        assertThrows(IllegalArgumentException.class, () -> Multihash.decode(HEX.parseHex("000301")));
        assertThrows(IllegalArgumentException.class, () -> Multihash.decode(HEX.parseHex("120101")));
    }

    @Test
    void peerIdTextFormsBothParse() {
        Multihash legacy = Cid.parsePeerIdMultihash("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        assertEquals(Multihash.SHA2_256, legacy.code());
        Multihash cid = Cid.parsePeerIdMultihash("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
        assertEquals(Multihash.SHA2_256, cid.code());
        assertEquals("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", Cid.encodeV1Base32(Cid.LIBP2P_KEY, cid));
        Multihash ed = Cid.parsePeerIdMultihash("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
        assertEquals(Multihash.IDENTITY, ed.code());
        assertEquals(Cid.parsePeerIdMultihash(Cid.encodeV1Base32(Cid.LIBP2P_KEY, ed)), ed);
        // a CID with another codec (0x70 dag-pb) is not a peer id
        assertThrows(IllegalArgumentException.class,
                () -> Cid.parsePeerIdMultihash("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"));
    }
}
