package io.warren.libp2p.internal.crypto;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.protobuf.ProtoReader;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A libp2p public key: a {@link KeyType} plus the key bytes in the encoding the peer-ids spec gives
 * for that type (Ed25519: 32 raw bytes; secp256k1: SEC1 point, normally 33-byte compressed; RSA and
 * ECDSA: DER SubjectPublicKeyInfo). The key is parsed when constructed, so a malformed key fails
 * here, not at the first signature check.
 */
public final class Libp2pPublicKey {

  /** go-libp2p and js-libp2p refuse RSA keys below 2048 bits; so do we. */
  public static final int MIN_RSA_BITS = 2048;
  /** An upper bound keeps a peer from making us verify with an absurd modulus. */
  public static final int MAX_RSA_BITS = 8192;
  /**
   * Verifying costs as many squarings as the public exponent has bits: an odd exponent of at most
   * 32 bits (everyone uses 65537) keeps a signature check cheap.
   */
  public static final int MAX_RSA_EXPONENT_BITS = 32;

  private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
  private static final ECDomainParameters SECP256K1;

  static {
    X9ECParameters p = CustomNamedCurves.getByName("secp256k1");
    SECP256K1 = new ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH());
  }

  private final KeyType type;
  private final byte[] data;
  private final java.security.PublicKey jdkKey; // Ed25519, RSA, ECDSA
  private final ECPoint secp256k1Point; // secp256k1

  private Libp2pPublicKey(KeyType type, byte[] data) {
    this.type = type;
    this.data = data;
    try {
      switch (type) {
        case ED25519 -> {
          if (data.length != 32) {
            throw new IllegalArgumentException("libp2p key: Ed25519 key must be 32 bytes, got " + data.length);
          }
          byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
          System.arraycopy(data, 0, spki, ED25519_SPKI_PREFIX.length, 32);
          jdkKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
          secp256k1Point = null;
        }
        case SECP256K1 -> {
          if (data.length != 33 && data.length != 65) {
            throw new IllegalArgumentException("libp2p key: secp256k1 key must be 33 or 65 bytes, got "
                + data.length);
          }
          ECPoint q = SECP256K1.getCurve().decodePoint(data).normalize();
          if (q.isInfinity() || !q.isValid()) {
            throw new IllegalArgumentException("libp2p key: secp256k1 point not on the curve");
          }
          secp256k1Point = q;
          jdkKey = null;
        }
        case RSA -> {
          RSAPublicKey k = (RSAPublicKey) KeyFactory.getInstance("RSA")
              .generatePublic(new X509EncodedKeySpec(data));
          int bits = k.getModulus().bitLength();
          if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
            throw new IllegalArgumentException("libp2p key: RSA key of " + bits + " bits (accepted: "
                + MIN_RSA_BITS + "-" + MAX_RSA_BITS + ")");
          }
          java.math.BigInteger e = k.getPublicExponent();
          if (e.bitLength() > MAX_RSA_EXPONENT_BITS || !e.testBit(0)
              || e.compareTo(java.math.BigInteger.valueOf(3)) < 0) {
            throw new IllegalArgumentException("libp2p key: RSA public exponent of " + e.bitLength()
                + " bits (accepted: odd, 3 up to " + MAX_RSA_EXPONENT_BITS + " bits, e.g. 65537)");
          }
          jdkKey = k;
          secp256k1Point = null;
        }
        case ECDSA -> {
          jdkKey = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(data));
          secp256k1Point = null;
        }
        default -> throw new IllegalStateException();
      }
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("libp2p key: malformed " + type + " key: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("libp2p key:")) {
        throw e;
      }
      throw new IllegalArgumentException("libp2p key: malformed " + type + " key: " + e.getMessage(), e);
    }
  }

  public static Libp2pPublicKey of(KeyType type, byte[] data) {
    return new Libp2pPublicKey(type, data.clone());
  }

  public static Libp2pPublicKey ed25519(byte[] raw32) {
    return of(KeyType.ED25519, raw32);
  }

  /** Decodes the {@code PublicKey} protobuf ({@code Type = 1; Data = 2}, both required). */
  public static Libp2pPublicKey fromProtobuf(byte[] bytes) {
    ProtoReader r = new ProtoReader(bytes);
    Long type = null;
    byte[] data = null;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> type = r.readVarint();
        case 2 -> data = r.readBytes();
        default -> r.skip();
      }
    }
    if (type == null || data == null) {
      throw new IllegalArgumentException("libp2p key: protobuf lacks " + (type == null ? "Type" : "Data"));
    }
    return new Libp2pPublicKey(KeyType.fromNumber(type), data);
  }

  /** The canonical protobuf encoding; peer ids are derived from exactly these bytes. */
  public byte[] toProtobuf() {
    return new ProtoWriter().varint(1, type.number()).bytes(2, data).toByteArray();
  }

  public KeyType type() {
    return type;
  }

  public byte[] data() {
    return data.clone();
  }

  /** This key's peer id (the multihash of its protobuf form). */
  public PeerId peerId() {
    return PeerId.ofPublicKey(toProtobuf());
  }

  /** True when {@code peer} is the peer id of this key. */
  public boolean matches(PeerId peer) {
    return peerId().equals(peer);
  }

  /**
   * Verifies a signature by this key over {@code message} with the algorithm the peer-ids spec
   * assigns to the key type. Returns false for a wrong or malformed signature.
   */
  public boolean verify(byte[] message, byte[] signature) {
    try {
      switch (type) {
        case ED25519 :
          return jdkVerify("Ed25519", message, signature);
        case RSA :
          return jdkVerify("SHA256withRSA", message, signature);
        case ECDSA :
          return jdkVerify("SHA256withECDSA", message, signature);
        case SECP256K1 : {
          BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(SECP256K1.getN(), signature);
          ECDSASigner signer = new ECDSASigner();
          signer.init(false, new ECPublicKeyParameters(secp256k1Point, SECP256K1));
          byte[] digest = MessageDigest.getInstance("SHA-256").digest(message);
          return signer.verifySignature(digest, rs[0], rs[1]);
        }
        default :
          return false;
      }
    } catch (GeneralSecurityException | IllegalArgumentException | java.io.IOException e) {
      return false;
    }
  }

  private boolean jdkVerify(String algorithm, byte[] message, byte[] signature) throws GeneralSecurityException {
    Signature s = Signature.getInstance(algorithm);
    s.initVerify(jdkKey);
    s.update(message);
    return s.verify(signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Libp2pPublicKey k && k.type == type && Arrays.equals(k.data, data);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return type + ":" + HexFormat.of().formatHex(data);
  }
}
