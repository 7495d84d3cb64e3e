package io.warren.libp2p.internal.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerId;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.HexFormat;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.junit.jupiter.api.Test;

/** Vectors from libp2p/specs peer-ids/peer-ids.md ("Test vectors") unless stated otherwise. */
class KeysAndPeerIdTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] MESSAGE = "noise-libp2p-static-key:0123456789".getBytes(StandardCharsets.UTF_8);

  static final String ED25519_PRIVATE = "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"
      + "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
  static final String ED25519_PUBLIC = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
  static final String SECP256K1_PRIVATE_DATA = "53DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB";
  static final String SECP256K1_PUBLIC = "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
  static final String ECDSA_PUBLIC = "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0"
      + "e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

  @Test
  void ed25519VectorDerivesPublicKeyAndIdentityPeerId() {
    Ed25519Identity id = Ed25519Identity.fromPrivateKeyProtobuf(HEX.parseHex(ED25519_PRIVATE));
    assertEquals(ED25519_PUBLIC, HEX.formatHex(id.publicKey().toProtobuf()));
    assertEquals(0x00, id.peerId().toBytes()[0], "identity multihash");
    assertEquals("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq", id.peerId().toString());
    assertEquals(id.publicKey(), Libp2pPublicKey.fromProtobuf(id.peerId().inlinedKey().orElseThrow()));
    PeerId viaCid = PeerId.parse(id.peerId().toCidString());
    assertEquals(id.peerId(), viaCid);
    assertTrue(id.peerId().toCidString().startsWith("bafz"));
  }

  @Test
  void ed25519SignAndVerify() {
    Ed25519Identity id = Ed25519Identity.generate();
    byte[] sig = id.sign(MESSAGE);
    Libp2pPublicKey remote = Libp2pPublicKey.fromProtobuf(id.publicKey().toProtobuf());
    assertTrue(remote.verify(MESSAGE, sig));
    sig[5] ^= 1;
    assertFalse(remote.verify(MESSAGE, sig));
    assertFalse(remote.verify(MESSAGE, new byte[3]));
    assertTrue(id.peerId().toString().startsWith("12D3KooW"));
    assertTrue(remote.matches(id.peerId()));
  }

  @Test
  void secp256k1VectorAndSignature() {
    X9ECParameters p = CustomNamedCurves.getByName("secp256k1");
    ECDomainParameters domain = new ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH());
    BigInteger d = new BigInteger(1, HEX.parseHex(SECP256K1_PRIVATE_DATA));
    byte[] compressed = p.getG().multiply(d).normalize().getEncoded(true);
    Libp2pPublicKey key = Libp2pPublicKey.of(KeyType.SECP256K1, compressed);
    assertEquals(SECP256K1_PUBLIC, HEX.formatHex(key.toProtobuf()));
    assertEquals(key, Libp2pPublicKey.fromProtobuf(HEX.parseHex(SECP256K1_PUBLIC)));
    // 37-byte protobuf: inlined (identity multihash), the "16Uiu2..." form
    assertEquals(0x00, key.peerId().toBytes()[0], "identity multihash");
    assertTrue(key.peerId().toString().startsWith("16Uiu2"), key.peerId().toString());

    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(d, domain));
    byte[] digest = sha256(MESSAGE);
    BigInteger[] rs = signer.generateSignature(digest);
    byte[] der;
    try {
      der = StandardDSAEncoding.INSTANCE.encode(domain.getN(), rs[0], rs[1]);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertTrue(key.verify(MESSAGE, der));
    assertFalse(key.verify("other".getBytes(StandardCharsets.UTF_8), der));
    assertFalse(key.verify(MESSAGE, new byte[] {0x30, 0x00}));
  }

  @Test
  void rsaIsHashedIntoSha256PeerIdAndVerifiesPkcs1() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    Libp2pPublicKey key = Libp2pPublicKey.of(KeyType.RSA, kp.getPublic().getEncoded());
    PeerId id = key.peerId();
    assertEquals(0x12, id.toBytes()[0], "sha2-256 multihash");
    assertTrue(id.toString().startsWith("Qm"));
    assertTrue(id.inlinedKey().isEmpty());
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(kp.getPrivate());
    s.update(MESSAGE);
    byte[] sig = s.sign();
    assertTrue(Libp2pPublicKey.fromProtobuf(key.toProtobuf()).verify(MESSAGE, sig));
    sig[0] ^= 1;
    assertFalse(key.verify(MESSAGE, sig));
  }

  @Test
  void rsaBelow2048BitsIsRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    byte[] spki = g.generateKeyPair().getPublic().getEncoded();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Libp2pPublicKey.of(KeyType.RSA, spki));
    assertEquals("libp2p key: RSA key of 1024 bits (accepted: 2048-8192)", e.getMessage());
  }

  @Test
  void rsaWithAnExpensiveOrEvenExponentIsRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    java.math.BigInteger n = ((java.security.interfaces.RSAPublicKey) g.generateKeyPair().getPublic()).getModulus();
    for (java.math.BigInteger e : java.util.List.of(java.math.BigInteger.TWO.pow(100).add(java.math.BigInteger.ONE),
        java.math.BigInteger.valueOf(65536))) {
      byte[] spki = java.security.KeyFactory.getInstance("RSA")
          .generatePublic(new java.security.spec.RSAPublicKeySpec(n, e)).getEncoded();
      IllegalArgumentException x =
          assertThrows(IllegalArgumentException.class, () -> Libp2pPublicKey.of(KeyType.RSA, spki));
      assertTrue(x.getMessage().startsWith("libp2p key: RSA public exponent of "), x.getMessage());
    }
  }

  @Test
  void ecdsaVectorParsesAndVerifies() throws Exception {
    Libp2pPublicKey vector = Libp2pPublicKey.fromProtobuf(HEX.parseHex(ECDSA_PUBLIC));
    assertEquals(KeyType.ECDSA, vector.type());
    assertEquals(0x12, vector.peerId().toBytes()[0], "sha2-256 multihash");

    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(kp.getPrivate());
    s.update(MESSAGE);
    assertTrue(Libp2pPublicKey.of(KeyType.ECDSA, kp.getPublic().getEncoded()).verify(MESSAGE, s.sign()));
  }

  @Test
  void malformedKeysAreClearErrors() {
    assertEquals("libp2p key: Ed25519 key must be 32 bytes, got 3",
        assertThrows(IllegalArgumentException.class, () -> Libp2pPublicKey.ed25519(new byte[3])).getMessage());
    assertEquals("libp2p key: unknown key type 7 (expected 0-3)",
        assertThrows(IllegalArgumentException.class,
            () -> Libp2pPublicKey.fromProtobuf(HEX.parseHex("08071200"))).getMessage());
    assertEquals("libp2p key: protobuf lacks Data",
        assertThrows(IllegalArgumentException.class,
            () -> Libp2pPublicKey.fromProtobuf(HEX.parseHex("0801"))).getMessage());
    byte[] notOnCurve = new byte[33];
    notOnCurve[0] = 2;
    notOnCurve[32] = 7;
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Libp2pPublicKey.of(KeyType.SECP256K1, notOnCurve)).getMessage().startsWith("libp2p key: "));
    assertThrows(IllegalArgumentException.class, () -> Libp2pPublicKey.of(KeyType.RSA, new byte[] {1, 2, 3}));
  }

  @Test
  void peerIdTextFormsAndErrors() {
    PeerId a = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
    assertEquals("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", a.toString());
    assertEquals(a, PeerId.fromBytes(a.toBytes()));
    PeerId b = PeerId.parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
    assertEquals("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", b.toCidString());
    assertArrayEquals(b.toBytes(), PeerId.parse(b.toString()).toBytes());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerId.parse("hello"));
    assertTrue(e.getMessage().startsWith("not a peer ID: 'hello': "), e.getMessage());
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
