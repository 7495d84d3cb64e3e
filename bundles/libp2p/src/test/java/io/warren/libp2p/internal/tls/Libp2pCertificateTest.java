package io.warren.libp2p.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.crypto.TestIdentities;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.junit.jupiter.api.Test;

/** The libp2p public key extension: what we make verifies, and every way a peer's can be wrong is refused. */
class Libp2pCertificateTest {

  private static final Instant NOW = Instant.now();

  private static X509Certificate cert(LocalIdentity id, KeyPair certKey, Extension... ext) {
    return Libp2pCertificate.selfSigned(certKey, "SHA256withECDSA", X9ObjectIdentifiers.ecdsa_with_SHA256,
        NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)), List.of(ext)).certificate();
  }

  /** The extension as the spec makes it: {@code id}'s key, signed by {@code signer} over {@code certKey}'s SPKI. */
  private static Extension signedBy(LocalIdentity id, LocalIdentity signer, KeyPair certKey) {
    return Libp2pCertificate.extension(id.publicKey().toProtobuf(),
        signer.sign(Libp2pCertificate.signedData(certKey.getPublic().getEncoded())));
  }

  private static String refused(Certificate... chain) {
    CertificateException e = assertThrows(CertificateException.class, () -> Libp2pCertificate.verify(chain, NOW));
    assertTrue(e.getMessage().startsWith("libp2p tls: "), e.getMessage());
    return e.getMessage();
  }

  @Test
  void generatedCertificatesNameTheHostKeyOfEveryKeyType() throws Exception {
    for (LocalIdentity id : List.of(Ed25519Identity.generate(), TestIdentities.secp256k1(), TestIdentities.rsa())) {
      Libp2pCertificate c = Libp2pCertificate.generate(id);
      assertEquals(id.publicKey(), Libp2pCertificate.verify(new Certificate[] {c.certificate()}, NOW));
      assertEquals(id.peerId(), Libp2pCertificate.verify(new Certificate[] {c.certificate()}, NOW).peerId());
      assertEquals(List.of(Libp2pCertificate.EXTENSION_OID),
          List.copyOf(c.certificate().getCriticalExtensionOIDs()), "one extension, critical as js-libp2p makes it");
    }
  }

  @Test
  void signatureByAnotherKeyThanTheNamedOneIsRefused() {
    Ed25519Identity claimed = Ed25519Identity.generate();
    Ed25519Identity impostor = Ed25519Identity.generate();
    KeyPair certKey = Libp2pCertificate.p256();
    assertTrue(refused(cert(claimed, certKey, signedBy(claimed, impostor, certKey))).contains("does not verify"));
  }

  @Test
  void signatureOverAnotherCertificateKeyIsRefused() {
    Ed25519Identity id = Ed25519Identity.generate();
    KeyPair certKey = Libp2pCertificate.p256();
    Extension forOtherKey = signedBy(id, id, Libp2pCertificate.p256());
    assertTrue(refused(cert(id, certKey, forOtherKey)).contains("does not verify"));
  }

  @Test
  void unknownHostKeyTypeIsRefused() {
    KeyPair certKey = Libp2pCertificate.p256();
    byte[] type7 = new ProtoWriter().varint(1, 7).bytes(2, new byte[32]).toByteArray();
    Extension ext = Libp2pCertificate.extension(type7, new byte[64]);
    String why = refused(cert(Ed25519Identity.generate(), certKey, ext));
    assertTrue(why.contains("bad host key") && why.contains("unknown key type 7"), why);
  }

  @Test
  void hostKeyOfTheWrongSizeForItsTypeIsRefused() {
    KeyPair certKey = Libp2pCertificate.p256();
    byte[] shortEd25519 = new ProtoWriter().varint(1, 1).bytes(2, new byte[31]).toByteArray();
    String why = refused(cert(Ed25519Identity.generate(), certKey,
        Libp2pCertificate.extension(shortEd25519, new byte[64])));
    assertTrue(why.contains("Ed25519 key must be 32 bytes"), why);
  }

  @Test
  void certificateKeyOfAnUnacceptedTypeIsRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("DSA");
    g.initialize(2048);
    KeyPair dsa = g.generateKeyPair();
    Ed25519Identity id = Ed25519Identity.generate();
    X509Certificate c = Libp2pCertificate.selfSigned(dsa, "SHA256withDSA", NISTObjectIdentifiers.dsa_with_sha256,
        NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)), List.of(signedBy(id, id, dsa))).certificate();
    String why = refused(c);
    assertTrue(why.contains("signed with") || why.contains("key of type DSA"), why);
  }

  @Test
  void sha1SignedCertificateIsRefused() {
    Ed25519Identity id = Ed25519Identity.generate();
    KeyPair certKey = Libp2pCertificate.p256();
    X509Certificate c = Libp2pCertificate.selfSigned(certKey, "SHA1withECDSA", X9ObjectIdentifiers.ecdsa_with_SHA1,
        NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)), List.of(signedBy(id, id, certKey)))
        .certificate();
    assertTrue(refused(c).contains("1.2.840.10045.4.1"), "ecdsa-with-SHA1 named by its OID");
  }

  @Test
  void expiredAndNotYetValidCertificatesAreRefused() {
    Ed25519Identity id = Ed25519Identity.generate();
    KeyPair certKey = Libp2pCertificate.p256();
    List<Extension> ext = List.of(signedBy(id, id, certKey));
    X509Certificate expired = Libp2pCertificate.selfSigned(certKey, "SHA256withECDSA",
        X9ObjectIdentifiers.ecdsa_with_SHA256, NOW.minus(Duration.ofDays(2)), NOW.minus(Duration.ofDays(1)), ext)
        .certificate();
    assertTrue(refused(expired).contains("expired"));
    X509Certificate future = Libp2pCertificate.selfSigned(certKey, "SHA256withECDSA",
        X9ObjectIdentifiers.ecdsa_with_SHA256, NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(2)), ext)
        .certificate();
    assertTrue(refused(future).contains("not valid before"));
  }

  @Test
  void missingExtensionChainsOfTwoAndUnknownCriticalExtensionsAreRefused() {
    Ed25519Identity id = Ed25519Identity.generate();
    KeyPair certKey = Libp2pCertificate.p256();
    assertTrue(refused(cert(id, certKey)).contains("lacks the libp2p public key extension"));
    X509Certificate good = Libp2pCertificate.generate(id).certificate();
    assertTrue(refused(good, good).contains("exactly one certificate, got 2"));
    assertTrue(refused().contains("exactly one certificate, got 0"));
    Extension unknown = new Extension(new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), true,
        new DEROctetString(new byte[] {5, 0}));
    assertTrue(refused(cert(id, certKey, signedBy(id, id, certKey), unknown)).contains("unknown critical"));
  }

  @Test
  void tamperedSelfSignatureIsRefused() throws Exception {
    X509Certificate good = Libp2pCertificate.generate(Ed25519Identity.generate()).certificate();
    byte[] der = good.getEncoded();
    der[der.length - 5] ^= 1; // inside the ECDSA signature
    X509Certificate bad = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(der));
    assertTrue(refused(bad).contains("self-signature"));
  }

  @Test
  void signedKeyInBitStringsAsTheSpecTextHasItIsAccepted() throws Exception {
    Ed25519Identity id = Ed25519Identity.generate();
    KeyPair certKey = Libp2pCertificate.p256();
    byte[] sig = id.sign(Libp2pCertificate.signedData(certKey.getPublic().getEncoded()));
    byte[] value = new DERSequence(new ASN1Encodable[] {new DERBitString(id.publicKey().toProtobuf()),
        new DERBitString(sig)}).getEncoded();
    Extension ext = new Extension(new ASN1ObjectIdentifier(Libp2pCertificate.EXTENSION_OID), false,
        new DEROctetString(value));
    assertEquals(id.peerId(), Libp2pCertificate.verify(new Certificate[] {cert(id, certKey, ext)}, NOW).peerId());
  }

  /** A certificate js-libp2p 3.3.11 (@libp2p/tls 3.1.10) made: empty issuer and subject, valid for 100 years. */
  @Test
  void aCertificateJsLibp2pMadeNamesItsPeer() throws Exception {
    byte[] der;
    try (java.io.InputStream in = getClass().getResourceAsStream("js-libp2p-3.3.11-tls.der")) {
      der = in.readAllBytes();
    }
    assertEquals("12D3KooWR6YBK9nGe1eWYd87eTxbQmBPzKRE4SagnQSwLKJKdi99",
        Libp2pCertificate.verify(der, NOW).peerId().toString());
    der[der.length - 3] ^= 1; // its self-signature
    byte[] tampered = der;
    assertThrows(CertificateException.class, () -> Libp2pCertificate.verify(tampered, NOW));
  }

  @Test
  void malformedExtensionIsRefused() {
    Ed25519Identity id = Ed25519Identity.generate();
    Extension junk = new Extension(new ASN1ObjectIdentifier(Libp2pCertificate.EXTENSION_OID), true,
        new DEROctetString(new byte[] {0x30, 0x03, 0x04, 0x01}));
    assertTrue(refused(cert(id, Libp2pCertificate.p256(), junk)).contains("malformed"));
  }
}
