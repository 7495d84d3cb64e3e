package io.warren.secp256k1.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.identity.Bip340;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** The native verifier agrees with the portable one; prints both speeds (a figure, not an assertion). */
class NativeBip340Test {
  @Test
  void agreesWithBouncyCastleOnRandomSignaturesAndForgeries() throws Exception {
    long ctx = NativeBip340.load(null);
    NativeBip340.selfTest(ctx);
    SecureRandom r = new SecureRandom();
    byte[][] pubs = new byte[200][];
    byte[][] msgs = new byte[200][];
    byte[][] sigs = new byte[200][];
    for (int i = 0; i < 200; i++) {
      byte[] sk = Bip340.newSecretKey();
      pubs[i] = Bip340.publicKey(sk);
      msgs[i] = new byte[32];
      r.nextBytes(msgs[i]);
      sigs[i] = Bip340.sign(sk, msgs[i]);
      if (i % 2 == 1) {
        sigs[i][r.nextInt(64)] ^= (byte) (1 << r.nextInt(8));
      }
      assertEquals(Bip340.verifyPortable(pubs[i], msgs[i], sigs[i]),
          NativeBip340.verify(ctx, pubs[i], msgs[i], sigs[i]), "signature " + i);
      assertEquals(i % 2 == 0, NativeBip340.verify(ctx, pubs[i], msgs[i], sigs[i]));
    }
    byte[] notOnCurve = new byte[32];
    java.util.Arrays.fill(notOnCurve, (byte) 0xff); // x >= p: not a field element
    assertFalse(NativeBip340.verify(ctx, notOnCurve, msgs[0], sigs[0]));
    long t0 = System.nanoTime();
    for (int k = 0; k < 5; k++) {
      for (int i = 0; i < 200; i += 2) {
        assertTrue(NativeBip340.verify(ctx, pubs[i], msgs[i], sigs[i]));
      }
    }
    long t1 = System.nanoTime();
    for (int i = 0; i < 200; i += 2) {
      assertTrue(Bip340.verifyPortable(pubs[i], msgs[i], sigs[i]));
    }
    long t2 = System.nanoTime();
    System.out.printf("BIP-340 verify: native %.1f us, Bouncy Castle %.1f us (one core, small sample)%n",
        (t1 - t0) / 500 / 1e3, (t2 - t1) / 100 / 1e3);
  }
}
