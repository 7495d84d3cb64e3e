package io.warren.libp2p.internal.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

class NoiseStateTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void hkdfIsRfc5869WithEmptyInfo() {
    // RFC 5869 test case 3 (empty salt and info). An all-zero 32-byte HMAC key is the same key as
    // an empty one (HMAC zero-pads keys to the block size), so it stands in for the empty salt.
    byte[] ikm = new byte[22];
    Arrays.fill(ikm, (byte) 0x0b);
    byte[][] out = SymmetricState.hkdf(new byte[32], ikm, 2);
    String okm = HEX.formatHex(out[0]) + HEX.formatHex(out[1]);
    assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        okm.substring(0, 84));
  }

  @Test
  void protocolNameFitsTheHashSoItIsTheInitialHash() {
    SymmetricState s = new SymmetricState(HandshakeState.PROTOCOL_NAME);
    assertArrayEquals(HandshakeState.PROTOCOL_NAME.getBytes(StandardCharsets.US_ASCII), s.handshakeHash());
  }

  @Test
  void x25519MatchesRfc7748() throws Exception {
    // RFC 7748 section 6.1
    byte[] alicePriv = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    byte[] bobPriv = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    X25519.KeyPair alice = X25519.fromPrivate(alicePriv);
    X25519.KeyPair bob = X25519.fromPrivate(bobPriv);
    assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", HEX.formatHex(alice.publicKey()));
    assertEquals("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", HEX.formatHex(bob.publicKey()));
    assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
        HEX.formatHex(X25519.dh(alicePriv, bob.publicKey())));
  }

  /** Noise_XX_25519_ChaChaPoly_SHA256 vector from the cacophony test vectors (public domain). */
  @Test
  void cacophonyXxVector() throws Exception {
    byte[] prologue = HEX.parseHex("4a6f686e2047616c74");
    HandshakeState init = new HandshakeState(true, prologue,
        X25519.fromPrivate(HEX.parseHex("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1")),
        X25519.fromPrivate(HEX.parseHex("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a")));
    HandshakeState resp = new HandshakeState(false, prologue,
        X25519.fromPrivate(HEX.parseHex("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893")),
        X25519.fromPrivate(HEX.parseHex("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b")));
    String[][] messages = {
        {"4c756477696720766f6e204d69736573",
            "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"},
        {"4d757272617920526f746862617264",
            "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b"
                + "68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194"
                + "e83f23dbd8d162c9326ad"},
        {"462e20412e20486179656b",
            "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9f"
                + "ea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030"},
        {"4361726c204d656e676572", "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df"},
        {"4a65616e2d426170746973746520536179", "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5"},
        {"457567656e2042f6686d20766f6e2042617765726b",
            "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f"},
    };
    for (int i = 0; i < 3; i++) {
      HandshakeState w = i % 2 == 0 ? init : resp;
      HandshakeState r = i % 2 == 0 ? resp : init;
      byte[] ct = w.writeMessage(HEX.parseHex(messages[i][0]));
      assertEquals(messages[i][1], HEX.formatHex(ct), "handshake message " + i);
      assertEquals(messages[i][0], HEX.formatHex(r.readMessage(ct)));
    }
    assertTrue(init.isComplete() && resp.isComplete());
    assertEquals("c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e",
        HEX.formatHex(init.handshakeHash()));
    assertArrayEquals(init.handshakeHash(), resp.handshakeHash());
    CipherState[] ic = init.split();
    CipherState[] rc = resp.split();
    for (int i = 3; i < messages.length; i++) {
      CipherState send = i % 2 == 0 ? ic[0] : rc[0];
      CipherState recv = i % 2 == 0 ? rc[1] : ic[1];
      byte[] ct = send.encryptWithAd(new byte[0], HEX.parseHex(messages[i][0]));
      assertEquals(messages[i][1], HEX.formatHex(ct), "transport message " + i);
      assertEquals(messages[i][0], HEX.formatHex(recv.decryptWithAd(new byte[0], ct)));
    }
  }

  @Test
  void tamperedHandshakeMessageFailsForGood() throws Exception {
    HandshakeState init = new HandshakeState(true, new byte[0], X25519.generate(), null);
    HandshakeState resp = new HandshakeState(false, new byte[0], X25519.generate(), null);
    resp.readMessage(init.writeMessage(new byte[0]));
    byte[] m2 = resp.writeMessage("payload".getBytes(StandardCharsets.US_ASCII));
    m2[40] ^= 1;
    assertThrows(AEADBadTagException.class, () -> init.readMessage(m2));
    assertEquals("noise: handshake has failed",
        assertThrows(IllegalStateException.class, () -> init.writeMessage(new byte[0])).getMessage());
    HandshakeState fresh = new HandshakeState(false, new byte[0], X25519.generate(), null);
    assertEquals("noise: message 1 truncated (10 bytes, at least 32 expected)",
        assertThrows(GeneralSecurityException.class, () -> fresh.readMessage(new byte[10])).getMessage());
  }

  @Test
  void cipherStateRefusesTheReservedNonce() throws Exception {
    CipherState a = new CipherState(new byte[32]);
    CipherState b = new CipherState(new byte[32]);
    a.setNonce(-2L); // 2^64 - 2: the last usable nonce
    b.setNonce(-2L);
    byte[] ct = a.encryptWithAd(new byte[0], new byte[] {1});
    assertArrayEquals(new byte[] {1}, b.decryptWithAd(new byte[0], ct));
    assertThrows(GeneralSecurityException.class, () -> a.encryptWithAd(new byte[0], new byte[] {1}));
  }

  @Test
  void payloadRoundTripsWithExtensions() {
    NoiseHandshakePayload p = new NoiseHandshakePayload(new byte[] {1, 2}, new byte[] {3}, List.of(new byte[] {9}),
        List.of("/yamux/1.0.0", "/mplex/6.7.0"));
    NoiseHandshakePayload q = NoiseHandshakePayload.decode(p.encode());
    assertArrayEquals(p.identityKey(), q.identityKey());
    assertArrayEquals(p.identitySig(), q.identitySig());
    assertEquals(p.streamMuxers(), q.streamMuxers());
    assertArrayEquals(new byte[] {9}, q.webtransportCerthashes().get(0));
    // field 4 = NoiseExtensions { stream_muxers = 2 }
    assertEquals("0a020102120103220e120c2f79616d75782f312e302e30", HEX.formatHex(
        new NoiseHandshakePayload(new byte[] {1, 2}, new byte[] {3}, List.of(), List.of("/yamux/1.0.0")).encode()));
    assertEquals("noise: handshake payload has no identity_sig",
        assertThrows(IllegalArgumentException.class, () -> NoiseHandshakePayload.decode(HEX.parseHex("0a0101")))
            .getMessage());
  }
}
