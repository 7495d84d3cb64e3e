package io.warren.identity;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/**
 * BIP-340 Schnorr signatures over secp256k1 (the signatures on Nostr events), on Bouncy Castle's
 * curve arithmetic. Keys and signatures are byte arrays exactly as BIP-340 encodes them.
 */
public final class Bip340 {
  /**
   * The group order n of secp256k1 (SEC 2, section 2.4.1), written out so that checking a secret
   * key does not build the curve: {@link Curve} is made on the first use of a point, which takes
   * 0.1-0.5 s in a cold JVM (the node's start computes its public key off the start's path).
   */
  static final BigInteger N = new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

  private static final BigInteger SEVEN = BigInteger.valueOf(7);

  /** The curve and what depends on it, initialised on first use (the holder idiom). */
  static final class Curve {
    static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");
    static final BigInteger P = PARAMS.getCurve().getField().getCharacteristic();
    static final ECPoint G = PARAMS.getG();
    static final byte[] AUX_TAG = tagHash("BIP0340/aux");
    static final byte[] NONCE_TAG = tagHash("BIP0340/nonce");
    static final byte[] CHALLENGE_TAG = tagHash("BIP0340/challenge");
    static final SecureRandom RANDOM = new SecureRandom();

    private Curve() {}
  }

  private static volatile Verifier accelerated;

  private Bip340() {}

  /** A faster verification of the same scheme (e.g. native libsecp256k1), installed by another bundle. */
  @FunctionalInterface
  public interface Verifier {
    /** Same contract as {@link Bip340#verify}, for a 32-byte message. */
    boolean verify(byte[] publicKey, byte[] message32, byte[] signature);
  }

  /**
   * Installs {@code v} for {@link #verify} of 32-byte messages ({@code null}: back to Bouncy
   * Castle). The installer must have checked it against the BIP-340 vectors.
   */
  public static void accelerate(Verifier v) {
    accelerated = v;
  }

  /** Whether a faster verifier is installed. */
  public static boolean accelerated() {
    return accelerated != null;
  }

  /** {@link #verify} on Bouncy Castle's curve arithmetic, whatever is installed. */
  public static boolean verifyPortable(byte[] publicKey, byte[] message, byte[] signature) {
    return verify0(publicKey, message, signature);
  }

  /** A fresh secret key: 32 random bytes that are a valid scalar (1..n-1). */
  public static byte[] newSecretKey() {
    while (true) {
      byte[] key = new byte[32];
      Curve.RANDOM.nextBytes(key);
      BigInteger d = new BigInteger(1, key);
      if (d.signum() > 0 && d.compareTo(N) < 0) {
        return key;
      }
    }
  }

  /**
   * Throws {@link IllegalArgumentException} unless {@code secretKey} is 32 bytes and a valid scalar
   * (1..n-1); cheap, and does not build the curve.
   */
  public static void checkSecretKey(byte[] secretKey) {
    scalar(secretKey);
  }

  /** The 32-byte x-only public key of {@code secretKey}. */
  public static byte[] publicKey(byte[] secretKey) {
    return bytes32(Curve.G.multiply(scalar(secretKey)).normalize().getAffineXCoord().toBigInteger());
  }

  /** Signs {@code message} (any length) with fresh auxiliary randomness. */
  public static byte[] sign(byte[] secretKey, byte[] message) {
    byte[] aux = new byte[32];
    Curve.RANDOM.nextBytes(aux);
    return sign(secretKey, message, aux);
  }

  /** Signs deterministically for the given 32-byte auxiliary randomness (for test vectors). */
  public static byte[] sign(byte[] secretKey, byte[] message, byte[] aux) {
    BigInteger d0 = scalar(secretKey);
    ECPoint pub = Curve.G.multiply(d0).normalize();
    BigInteger d = isEven(pub) ? d0 : N.subtract(d0);
    byte[] px = bytes32(pub.getAffineXCoord().toBigInteger());
    byte[] t = bytes32(d);
    byte[] auxHash = taggedHash(Curve.AUX_TAG, aux);
    for (int i = 0; i < 32; i++) {
      t[i] ^= auxHash[i];
    }
    BigInteger k0 = new BigInteger(1, taggedHash(Curve.NONCE_TAG, t, px, message)).mod(N);
    if (k0.signum() == 0) {
      throw new IllegalStateException("BIP-340: nonce is zero (negligible probability)");
    }
    ECPoint r = Curve.G.multiply(k0).normalize();
    BigInteger k = isEven(r) ? k0 : N.subtract(k0);
    byte[] rx = bytes32(r.getAffineXCoord().toBigInteger());
    BigInteger e = new BigInteger(1, taggedHash(Curve.CHALLENGE_TAG, rx, px, message)).mod(N);
    byte[] sig = new byte[64];
    System.arraycopy(rx, 0, sig, 0, 32);
    System.arraycopy(bytes32(k.add(e.multiply(d)).mod(N)), 0, sig, 32, 32);
    return sig;
  }

  /** Whether {@code signature} is a valid BIP-340 signature of {@code message} by {@code publicKey}. */
  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    Verifier v = accelerated;
    if (v != null && message.length == 32) {
      if (publicKey.length != 32 || signature.length != 64) {
        return false;
      }
      return v.verify(publicKey, message, signature);
    }
    return verify0(publicKey, message, signature);
  }

  private static boolean verify0(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey.length != 32 || signature.length != 64) {
      return false;
    }
    ECPoint pub = liftX(new BigInteger(1, publicKey));
    if (pub == null) {
      return false;
    }
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    if (r.compareTo(Curve.P) >= 0 || s.compareTo(N) >= 0) {
      return false;
    }
    BigInteger e = new BigInteger(1,
        taggedHash(Curve.CHALLENGE_TAG, Arrays.copyOfRange(signature, 0, 32), publicKey, message)).mod(N);
    ECPoint rPoint = ECAlgorithms.sumOfTwoMultiplies(Curve.G, s, pub, N.subtract(e)).normalize();
    return !rPoint.isInfinity() && isEven(rPoint) && rPoint.getAffineXCoord().toBigInteger().equals(r);
  }

  private static ECPoint liftX(BigInteger x) {
    if (x.compareTo(Curve.P) >= 0) {
      return null;
    }
    BigInteger c = x.modPow(BigInteger.valueOf(3), Curve.P).add(SEVEN).mod(Curve.P);
    BigInteger y = c.modPow(Curve.P.add(BigInteger.ONE).shiftRight(2), Curve.P);
    if (!y.modPow(BigInteger.TWO, Curve.P).equals(c)) {
      return null;
    }
    return Curve.PARAMS.getCurve().createPoint(x, y.testBit(0) ? Curve.P.subtract(y) : y);
  }

  private static BigInteger scalar(byte[] secretKey) {
    if (secretKey.length != 32) {
      throw new IllegalArgumentException("secret key must be 32 bytes, got " + secretKey.length);
    }
    BigInteger d = new BigInteger(1, secretKey);
    if (d.signum() == 0 || d.compareTo(N) >= 0) {
      throw new IllegalArgumentException("secret key is out of range (must be 1..n-1)");
    }
    return d;
  }

  private static boolean isEven(ECPoint p) {
    return !p.getAffineYCoord().toBigInteger().testBit(0);
  }

  private static byte[] bytes32(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[32];
    int len = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - len, out, 32 - len, len);
    return out;
  }

  private static byte[] tagHash(String tag) {
    return sha256().digest(tag.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] taggedHash(byte[] tagHash, byte[]... parts) {
    MessageDigest md = sha256();
    md.update(tagHash);
    md.update(tagHash);
    for (byte[] part : parts) {
      md.update(part);
    }
    return md.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
