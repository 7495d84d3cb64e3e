package io.warren.libp2p.internal.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The AEAD built on Warren's Poly1305 must agree with the JDK's ChaCha20-Poly1305 bit for bit. */
class ChaChaPolyTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void poly1305MatchesTheRfcExample() {
    // RFC 8439 section 2.5.2
    byte[] key = HEX.parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
    byte[] msg = "Cryptographic Forum Research Group".getBytes(StandardCharsets.US_ASCII);
    Poly1305 p = new Poly1305();
    p.init(key, 0);
    p.update(msg, 0, msg.length);
    byte[] tag = new byte[16];
    p.finish(tag, 0);
    assertEquals("a8061dc1305136c6c22b8baf0c0127a9", HEX.formatHex(tag));
    // the same message fed in odd pieces gives the same tag
    p.init(key, 0);
    p.update(msg, 0, 5);
    p.update(msg, 5, 17);
    p.update(msg, 22, msg.length - 22);
    byte[] again = new byte[16];
    p.finish(again, 0);
    assertArrayEquals(tag, again);
  }

  @Test
  void poly1305HandlesLimbsNearTheModulus() {
    // all-ones keys and messages push every limb to its maximum
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) 0xff);
    byte[] msg = new byte[1000];
    java.util.Arrays.fill(msg, (byte) 0xff);
    for (int len : new int[] {0, 1, 15, 16, 17, 63, 64, 1000}) {
      assertArrayEquals(tagFedBytewise(key, msg, len), tag(key, msg, len), "length " + len);
    }
  }

  /** The tag of msg[0..len) fed whole, checked against the same bytes fed one at a time. */
  private static byte[] tagFedBytewise(byte[] key, byte[] msg, int len) {
    byte[] whole = tag(key, msg, len);
    Poly1305 p = new Poly1305();
    p.init(key, 0);
    for (int i = 0; i < len; i++) {
      p.update(msg, i, 1);
    }
    byte[] bytewise = new byte[16];
    p.finish(bytewise, 0);
    assertArrayEquals(whole, bytewise);
    return whole;
  }

  private static byte[] tag(byte[] key, byte[] msg, int len) {
    Poly1305 p = new Poly1305();
    p.init(key, 0);
    p.update(msg, 0, len);
    byte[] t = new byte[16];
    p.finish(t, 0);
    return t;
  }

  @Test
  void agreesWithTheJdk() throws Exception {
    Random rnd = new Random(1);
    for (int i = 0; i < 300; i++) {
      byte[] key = new byte[32];
      rnd.nextBytes(key);
      if (i % 10 == 0) {
        java.util.Arrays.fill(key, (byte) 0xff);
      }
      int len = i < 100 ? i : rnd.nextInt(70_000);
      byte[] plain = new byte[len];
      rnd.nextBytes(plain);
      byte[] ad = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(100)];
      rnd.nextBytes(ad);
      long nonce = rnd.nextLong() >>> 1;

      CipherState mine = new CipherState(key);
      mine.setNonce(nonce);
      byte[] sealed = mine.encryptWithAd(ad, plain);

      Cipher jdk = Cipher.getInstance("ChaCha20-Poly1305");
      byte[] iv = new byte[12];
      for (int b = 0; b < 8; b++) {
        iv[4 + b] = (byte) (nonce >>> (8 * b));
      }
      jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(iv));
      jdk.updateAAD(ad);
      assertArrayEquals(jdk.doFinal(plain), sealed, "case " + i + ", " + len + " bytes");

      CipherState other = new CipherState(key);
      other.setNonce(nonce);
      assertArrayEquals(plain, other.decryptWithAd(ad, sealed));
      assertEquals(nonce + 1, other.nonce());

      if (ad.length == 0) { // transport messages: the ByteBuf path, native when available
        assertTransportPathsAgree(key, nonce, plain, sealed, rnd);
      }
    }
  }

  /**
   * Encrypts and decrypts through every buffer shape the Noise handler meets (direct, heap, a
   * composite of a header and a body, a frame whose tag straddles two pieces): all must give the
   * JDK's bytes, natively or in Java.
   */
  private static void assertTransportPathsAgree(byte[] key, long nonce, byte[] plain, byte[] sealed, Random rnd)
      throws Exception {
    int len = plain.length;
    int cut = len == 0 ? 0 : rnd.nextInt(len + 1);
    ByteBuf[] inputs = {
        Unpooled.directBuffer(len).writeBytes(plain),
        Unpooled.buffer(len).writeBytes(plain),
        Unpooled.compositeBuffer().addComponents(true, Unpooled.directBuffer(cut).writeBytes(plain, 0, cut),
            Unpooled.directBuffer(len - cut).writeBytes(plain, cut, len - cut)),
        Unpooled.compositeBuffer().addComponents(true, Unpooled.buffer(cut).writeBytes(plain, 0, cut),
            Unpooled.directBuffer(len - cut).writeBytes(plain, cut, len - cut))};
    for (ByteBuf in : inputs) {
      CipherState enc = new CipherState(key);
      enc.setNonce(nonce);
      ByteBuf out = Unpooled.directBuffer(len + 18).writeShort(7); // after a length prefix, as on the wire
      enc.encrypt(in, in.readerIndex(), len, out);
      assertEquals(nonce + 1, enc.nonce());
      assertArrayEquals(sealed, ByteBufUtil.getBytes(out, 2, len + 16), "encrypt from " + in);
      enc.close();
      in.release();
      out.release();
    }
    int tagCut = len + rnd.nextInt(17); // the second piece starts inside the tag, or right at it
    ByteBuf[] frames = {
        Unpooled.directBuffer(len + 16).writeBytes(sealed),
        Unpooled.wrappedBuffer(sealed.clone()),
        Unpooled.compositeBuffer().addComponents(true, Unpooled.directBuffer().writeBytes(sealed, 0, tagCut),
            Unpooled.directBuffer().writeBytes(sealed, tagCut, sealed.length - tagCut))};
    for (ByteBuf frame : frames) {
      CipherState dec = new CipherState(key);
      dec.setNonce(nonce);
      ByteBuf out = Unpooled.directBuffer(len, len); // exactly the room the handler allocates
      dec.decrypt(frame, out);
      assertEquals(nonce + 1, dec.nonce());
      assertArrayEquals(plain, ByteBufUtil.getBytes(out), "decrypt from " + frame);
      frame.setByte(frame.readerIndex() + rnd.nextInt(frame.readableBytes()), frame.getByte(0) ^ 0x40);
      frame.setByte(0, frame.getByte(0) ^ 0x40); // flips one bit (or two in the same byte, if it hit byte 0)
      CipherState again = new CipherState(key);
      again.setNonce(nonce);
      ByteBuf tampered = frame;
      ByteBuf sink = Unpooled.directBuffer(len + 1);
      if (!java.util.Arrays.equals(ByteBufUtil.getBytes(frame), sealed)) {
        assertThrows(AEADBadTagException.class, () -> again.decrypt(tampered, sink));
        assertEquals(nonce, again.nonce(), "a refused message does not use up its nonce");
      }
      dec.close();
      sink.clear();
      assertThrows(java.security.GeneralSecurityException.class, () -> dec.decrypt(tampered, sink),
          "a closed state refuses work");
      again.close();
      sink.release();
      frame.release();
      out.release();
    }
  }

  @Test
  void opensslIsUsedWhereItWasBuiltAndLibcryptoIsInstalled() {
    boolean built = NativeAead.class.getResource("/native/linux-x86_64/libwarren_aead.so") != null;
    boolean libcrypto = java.util.stream.Stream.of("libcrypto.so.3", "libcrypto.so.1.1")
        .anyMatch(f -> java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu", f))
            || java.nio.file.Files.exists(java.nio.file.Path.of("/lib/x86_64-linux-gnu", f)));
    if (built && libcrypto && !"false".equals(System.getProperty("warren.noise.native"))) {
      assertTrue(NativeAead.AVAILABLE, NativeAead.DESCRIPTION);
      assertTrue(NativeAead.DESCRIPTION.startsWith("OpenSSL"), NativeAead.DESCRIPTION);
    } else {
      assertFalse(NativeAead.AVAILABLE && !built, "native without a built library: " + NativeAead.DESCRIPTION);
    }
  }

  @Test
  void carriesAgreeWithTheJdkOnAllOnesInput() throws Exception {
    // additional data is MACed as given: all-ones blocks push every carry in the accumulator
    Random rnd = new Random(2);
    for (int len = 0; len <= 300; len += 7) {
      byte[] key = new byte[32];
      if (len % 2 == 0) {
        java.util.Arrays.fill(key, (byte) 0xff);
      } else {
        rnd.nextBytes(key);
      }
      byte[] ad = new byte[len * 13];
      java.util.Arrays.fill(ad, (byte) 0xff);
      byte[] plain = new byte[len];
      CipherState mine = new CipherState(key);
      byte[] sealed = mine.encryptWithAd(ad, plain);
      Cipher jdk = Cipher.getInstance("ChaCha20-Poly1305");
      jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(new byte[12]));
      jdk.updateAAD(ad);
      assertArrayEquals(jdk.doFinal(plain), sealed, "ad of " + ad.length + " bytes");
    }
  }

  @Test
  void aTamperedMessageIsRefusedAndTheNonceStays() throws Exception {
    byte[] key = new byte[32];
    CipherState a = new CipherState(key);
    byte[] sealed = a.encryptWithAd(new byte[0], "secret".getBytes(StandardCharsets.US_ASCII));
    sealed[2] ^= 1;
    CipherState b = new CipherState(key);
    assertThrows(AEADBadTagException.class, () -> b.decryptWithAd(new byte[0], sealed));
    assertEquals(0, b.nonce());
    sealed[2] ^= 1;
    assertEquals("secret", new String(b.decryptWithAd(new byte[0], sealed), StandardCharsets.US_ASCII));
  }
}
