package io.warren.libp2p.internal.crypto;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;

/** Identities of the key types other libp2p implementations use, for playing such peers in tests. */
public final class TestIdentities {

  private TestIdentities() {}

  public static LocalIdentity rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    Libp2pPublicKey pub = Libp2pPublicKey.of(KeyType.RSA, kp.getPublic().getEncoded());
    return new LocalIdentity() {
      @Override
      public Libp2pPublicKey publicKey() {
        return pub;
      }

      @Override
      public byte[] sign(byte[] message) {
        try {
          Signature s = Signature.getInstance("SHA256withRSA");
          s.initSign(kp.getPrivate());
          s.update(message);
          return s.sign();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  public static LocalIdentity secp256k1() {
    X9ECParameters p = CustomNamedCurves.getByName("secp256k1");
    ECDomainParameters domain = new ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH());
    BigInteger d = new BigInteger(256, new SecureRandom()).mod(p.getN().subtract(BigInteger.ONE)).add(BigInteger.ONE);
    Libp2pPublicKey pub = Libp2pPublicKey.of(KeyType.SECP256K1, p.getG().multiply(d).normalize().getEncoded(true));
    return new LocalIdentity() {
      @Override
      public Libp2pPublicKey publicKey() {
        return pub;
      }

      @Override
      public byte[] sign(byte[] message) {
        try {
          ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
          signer.init(true, new ECPrivateKeyParameters(d, domain));
          BigInteger[] rs = signer.generateSignature(MessageDigest.getInstance("SHA-256").digest(message));
          return StandardDSAEncoding.INSTANCE.encode(domain.getN(), rs[0], rs[1]);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }
}
