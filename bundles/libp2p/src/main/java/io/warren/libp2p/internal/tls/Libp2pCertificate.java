package io.warren.libp2p.internal.tls;

import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The certificate of the libp2p TLS handshake (libp2p specs, tls/tls.md): self-signed by a fresh
 * P-256 key unrelated to the host key, carrying the libp2p public key extension
 * ({@value #EXTENSION_OID}), {@code SignedKey ::= SEQUENCE { publicKey, signature }} where
 * {@code publicKey} is the host key's {@code PublicKey} protobuf and {@code signature} the host
 * key's signature over {@code "libp2p-tls-handshake:"} followed by the certificate's
 * SubjectPublicKeyInfo. go-libp2p and js-libp2p encode both fields as OCTET STRINGs (the spec text
 * says BIT STRING): we send OCTET STRINGs and accept either.
 */
public final class Libp2pCertificate {

  /** The libp2p public key extension, IANA PEN 53594 of Protocol Labs. */
  public static final String EXTENSION_OID = "1.3.6.1.4.1.53594.1.1";
  static final byte[] SIGNATURE_PREFIX = "libp2p-tls-handshake:".getBytes(StandardCharsets.US_ASCII);
  /** As go-libp2p and js-libp2p: valid from an hour ago (clock skew) for a hundred years. */
  static final Duration BACKDATE = Duration.ofHours(1);
  static final Duration VALIDITY = Duration.ofDays(36_500);

  /** Signature algorithms accepted on a peer's certificate (OID to JCA name): SHA-256 or stronger. */
  private static final Map<String, String> SIGNATURE_ALGORITHMS = Map.of(
      "1.2.840.10045.4.3.2", "SHA256withECDSA", "1.2.840.10045.4.3.3", "SHA384withECDSA",
      "1.2.840.10045.4.3.4", "SHA512withECDSA", "1.3.101.112", "Ed25519",
      "1.2.840.113549.1.1.11", "SHA256withRSA", "1.2.840.113549.1.1.12", "SHA384withRSA",
      "1.2.840.113549.1.1.13", "SHA512withRSA");
  private static final int MIN_RSA_BITS = 2048;

  private final PrivateKey privateKey;
  private final byte[] der;

  private Libp2pCertificate(PrivateKey privateKey, byte[] der) {
    this.privateKey = privateKey;
    this.der = der;
  }

  /** A new P-256 key and its certificate for {@code identity}, valid from an hour ago for a hundred years. */
  public static Libp2pCertificate generate(LocalIdentity identity) {
    KeyPair certKey = p256();
    Instant now = Instant.now();
    byte[] spki = certKey.getPublic().getEncoded();
    byte[] signature = identity.sign(signedData(spki));
    return selfSigned(certKey, "SHA256withECDSA", X9ObjectIdentifiers.ecdsa_with_SHA256, now.minus(BACKDATE),
        now.plus(VALIDITY), List.of(extension(identity.publicKey().toProtobuf(), signature)));
  }

  /**
   * One of our certificates, kept from an earlier start ({@link StoredCertificate}), when it is still
   * good to present for {@code identity} at {@code now}: made at most {@code maxAge} ago, valid
   * now, and carrying {@code identity}'s key in its extension (a node whose key file was replaced
   * makes a new one). No signature is checked: the file is ours, and its checksum guards against
   * damage (checking would cost what making a new one does, the JDK's P-256 tables).
   *
   * @throws CertificateException saying why it is not
   */
  static Libp2pCertificate restore(PrivateKey key, byte[] der, LocalIdentity identity, Instant now,
      Duration maxAge) throws CertificateException {
    Parsed cert = Parsed.of(der);
    Instant made = cert.notBefore().toInstant().plus(BACKDATE);
    if (cert.notBefore().toInstant().isAfter(now) || cert.notAfter().toInstant().isBefore(now)) {
      throw new CertificateException("not valid now (from " + cert.notBefore().toInstant() + " to "
          + cert.notAfter().toInstant() + ")");
    }
    if (made.plus(maxAge).isBefore(now)) {
      throw new CertificateException("made " + made + ", replaced after " + maxAge.toDays() + " days");
    }
    Extension extension = cert.extensions() == null ? null
        : cert.extensions().getExtension(new ASN1ObjectIdentifier(EXTENSION_OID));
    if (extension == null) {
      throw new CertificateException("no libp2p public key extension");
    }
    if (!java.util.Arrays.equals(parseSignedKey(extension.getExtnValue().getOctets())[0],
        identity.publicKey().toProtobuf())) {
      throw new CertificateException("made for another node key");
    }
    return new Libp2pCertificate(key, der.clone());
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** The certificate as the JDK sees it (ours have names, which the JDK's parser requires). */
  public X509Certificate certificate() {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new IllegalStateException("libp2p tls: the JDK cannot read the certificate: " + e.getMessage(), e);
    }
  }

  /** The certificate's DER encoding. */
  public byte[] der() {
    return der.clone();
  }

  /**
   * Checks a peer's certificate chain as the spec requires and returns the host key it names:
   * exactly one certificate, valid at {@code now}, signed with SHA-256 or stronger by its own key
   * (EC keys on a named curve, RSA of at least 2048 bits, Ed25519), no critical extension but
   * the libp2p one, and the extension's signature by the host key over the certificate's key.
   * Only the DER bytes are read, by Bouncy Castle's ASN.1 parser: the JDK's refuses the empty
   * issuer and subject names js-libp2p's certificates have.
   *
   * @throws CertificateException saying which of these failed
   */
  public static Libp2pPublicKey verify(Certificate[] chain, Instant now) throws CertificateException {
    if (chain == null || chain.length != 1) {
      throw new CertificateException("libp2p tls: expected exactly one certificate, got "
          + (chain == null ? 0 : chain.length));
    }
    return verify(chain[0].getEncoded(), now);
  }

  /** {@link #verify(Certificate[], Instant)} of one DER-encoded certificate. */
  public static Libp2pPublicKey verify(byte[] der, Instant now) throws CertificateException {
    Parsed cert = Parsed.of(der);
    Date at = Date.from(now);
    if (cert.notAfter().before(at)) {
      throw new CertificateException("libp2p tls: certificate expired on " + cert.notAfter().toInstant());
    }
    if (cert.notBefore().after(at)) {
      throw new CertificateException("libp2p tls: certificate not valid before " + cert.notBefore().toInstant());
    }
    Extensions extensions = cert.extensions();
    Set<String> critical = new HashSet<>();
    if (extensions != null) {
      for (ASN1ObjectIdentifier oid : extensions.getCriticalExtensionOIDs()) {
        critical.add(oid.getId());
      }
    }
    critical.remove(EXTENSION_OID);
    if (!critical.isEmpty()) {
      throw new CertificateException("libp2p tls: certificate has unknown critical extensions " + critical);
    }
    String sigOid = cert.signatureAlgorithm().getAlgorithm().getId();
    String jcaSignature = SIGNATURE_ALGORITHMS.get(sigOid);
    if (jcaSignature == null || !cert.signatureAlgorithm().equals(cert.tbsSignatureAlgorithm())) {
      throw new CertificateException("libp2p tls: certificate signed with algorithm " + sigOid
          + " (accepted: ECDSA, Ed25519 or RSA with SHA-256 or stronger)");
    }
    SubjectPublicKeyInfo spki = cert.spki();
    byte[] spkiBytes;
    try {
      spkiBytes = spki.getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new CertificateException("libp2p tls: malformed certificate key", e);
    }
    PublicKey certKey = certificateKey(spki, spkiBytes);
    boolean selfSigned;
    try {
      Signature s = Signature.getInstance(jcaSignature);
      s.initVerify(certKey);
      s.update(cert.tbs());
      selfSigned = s.verify(cert.signature());
    } catch (GeneralSecurityException e) {
      selfSigned = false;
    }
    if (!selfSigned) {
      throw new CertificateException("libp2p tls: the certificate's self-signature does not verify");
    }
    Extension extension = extensions == null ? null : extensions.getExtension(new ASN1ObjectIdentifier(EXTENSION_OID));
    if (extension == null) {
      throw new CertificateException("libp2p tls: certificate lacks the libp2p public key extension ("
          + EXTENSION_OID + ")");
    }
    byte[][] signedKey = parseSignedKey(extension.getExtnValue().getOctets());
    Libp2pPublicKey hostKey;
    try {
      hostKey = Libp2pPublicKey.fromProtobuf(signedKey[0]);
    } catch (IllegalArgumentException e) {
      throw new CertificateException("libp2p tls: bad host key in the certificate: " + e.getMessage(), e);
    }
    if (!hostKey.verify(signedData(spkiBytes), signedKey[1])) {
      throw new CertificateException("libp2p tls: the " + hostKey.type() + " host key's signature over the "
          + "certificate key does not verify (peer " + hostKey.peerId() + ")");
    }
    return hostKey;
  }

  /**
   * The parts of an X.509 certificate the checks read, taken from the ASN.1 structure directly:
   * Bouncy Castle's {@code TBSCertificate} and the JDK refuse the empty names js-libp2p sends.
   */
  private record Parsed(byte[] tbs, AlgorithmIdentifier tbsSignatureAlgorithm, Date notBefore, Date notAfter,
      SubjectPublicKeyInfo spki, Extensions extensions, AlgorithmIdentifier signatureAlgorithm, byte[] signature) {

    static Parsed of(byte[] der) throws CertificateException {
      try {
        ASN1Sequence cert = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
        if (cert.size() != 3) {
          throw new IllegalArgumentException("certificate has " + cert.size() + " fields (expected 3)");
        }
        ASN1Sequence tbs = ASN1Sequence.getInstance(cert.getObjectAt(0));
        int i = 0;
        if (tbs.getObjectAt(0) instanceof ASN1TaggedObject version && version.getTagNo() == 0) {
          i++; // v3; v1 certificates have no version and no extensions
        }
        i++; // serial number
        AlgorithmIdentifier tbsSig = AlgorithmIdentifier.getInstance(tbs.getObjectAt(i++));
        i++; // issuer
        ASN1Sequence validity = ASN1Sequence.getInstance(tbs.getObjectAt(i++));
        i++; // subject
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(tbs.getObjectAt(i++));
        Extensions extensions = null;
        for (; i < tbs.size(); i++) {
          ASN1TaggedObject tagged = ASN1TaggedObject.getInstance(tbs.getObjectAt(i));
          if (tagged.getTagNo() == 3) {
            extensions = Extensions.getInstance(tagged.getExplicitBaseObject());
          }
        }
        return new Parsed(tbs.getEncoded(ASN1Encoding.DER), tbsSig, Time.getInstance(validity.getObjectAt(0)).getDate(),
            Time.getInstance(validity.getObjectAt(1)).getDate(), spki, extensions,
            AlgorithmIdentifier.getInstance(cert.getObjectAt(1)), ASN1BitString.getInstance(cert.getObjectAt(2))
                .getOctets());
      } catch (IOException | RuntimeException e) {
        throw new CertificateException("libp2p tls: malformed certificate: " + e.getMessage(), e);
      }
    }
  }

  /** The certificate's own key, if of a type and size we accept. */
  private static PublicKey certificateKey(SubjectPublicKeyInfo spki, byte[] spkiBytes) throws CertificateException {
    String oid = spki.getAlgorithm().getAlgorithm().getId();
    String algorithm = switch (oid) {
      case "1.2.840.10045.2.1" -> "EC";
      case "1.3.101.112" -> "Ed25519";
      case "1.2.840.113549.1.1.1" -> "RSA";
      default -> throw new CertificateException("libp2p tls: certificate key of type " + oid
          + " (accepted: EC on a named curve, Ed25519, RSA)");
    };
    if (algorithm.equals("EC") && !(spki.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier)) {
      throw new CertificateException("libp2p tls: certificate EC key without a named curve");
    }
    PublicKey key;
    try {
      key = KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spkiBytes));
    } catch (GeneralSecurityException e) {
      throw new CertificateException("libp2p tls: malformed " + algorithm + " certificate key: " + e.getMessage(), e);
    }
    if (key instanceof RSAKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
      throw new CertificateException("libp2p tls: certificate RSA key of " + rsa.getModulus().bitLength()
          + " bits (at least " + MIN_RSA_BITS + ")");
    }
    return key;
  }

  /** The two fields of SignedKey (DER). */
  private static byte[][] parseSignedKey(byte[] value) throws CertificateException {
    try {
      ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(value));
      if (seq.size() != 2) {
        throw new CertificateException("libp2p tls: SignedKey has " + seq.size() + " fields (expected 2)");
      }
      return new byte[][] {bytesOf(seq.getObjectAt(0)), bytesOf(seq.getObjectAt(1))};
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      throw new CertificateException("libp2p tls: malformed libp2p public key extension: " + e.getMessage(), e);
    }
  }

  private static byte[] bytesOf(ASN1Encodable field) throws CertificateException {
    if (field instanceof ASN1OctetString o) {
      return o.getOctets();
    }
    if (field instanceof ASN1BitString b) {
      return b.getOctets();
    }
    throw new CertificateException("libp2p tls: SignedKey field is neither OCTET STRING nor BIT STRING");
  }

  // ---- building (package-private parts let tests build bad certificates) ----

  static byte[] signedData(byte[] spki) {
    byte[] out = new byte[SIGNATURE_PREFIX.length + spki.length];
    System.arraycopy(SIGNATURE_PREFIX, 0, out, 0, SIGNATURE_PREFIX.length);
    System.arraycopy(spki, 0, out, SIGNATURE_PREFIX.length, spki.length);
    return out;
  }

  /** The libp2p public key extension, critical as js-libp2p marks it. */
  static Extension extension(byte[] publicKeyProtobuf, byte[] signature) {
    try {
      byte[] value = new DERSequence(new ASN1Encodable[] {new DEROctetString(publicKeyProtobuf),
          new DEROctetString(signature)}).getEncoded(ASN1Encoding.DER);
      return new Extension(new ASN1ObjectIdentifier(EXTENSION_OID), true, new DEROctetString(value));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair p256() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 missing from the JDK", e);
    }
  }

  /** A certificate of {@code certKey} signed by itself with {@code jcaAlgorithm} ({@code algorithm}). */
  static Libp2pCertificate selfSigned(KeyPair certKey, String jcaAlgorithm, ASN1ObjectIdentifier algorithm,
      Instant notBefore, Instant notAfter, List<Extension> extensions) {
    try {
      AlgorithmIdentifier sigAlg = new AlgorithmIdentifier(algorithm);
      X500Name name = new X500Name("SERIALNUMBER=libp2p");
      V3TBSCertificateGenerator tbs = new V3TBSCertificateGenerator();
      tbs.setSerialNumber(new ASN1Integer(new BigInteger(63, new SecureRandom()).add(BigInteger.ONE)));
      tbs.setSignature(sigAlg);
      tbs.setIssuer(name);
      tbs.setSubject(name);
      tbs.setStartDate(new Time(Date.from(notBefore)));
      tbs.setEndDate(new Time(Date.from(notAfter)));
      tbs.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(certKey.getPublic().getEncoded()));
      if (!extensions.isEmpty()) {
        tbs.setExtensions(new Extensions(extensions.toArray(Extension[]::new)));
      }
      TBSCertificate tbsCertificate = tbs.generateTBSCertificate();
      Signature s = Signature.getInstance(jcaAlgorithm);
      s.initSign(certKey.getPrivate());
      s.update(tbsCertificate.getEncoded(ASN1Encoding.DER));
      byte[] der = new DERSequence(new ASN1Encodable[] {tbsCertificate, sigAlg, new DERBitString(s.sign())})
          .getEncoded(ASN1Encoding.DER);
      return new Libp2pCertificate(certKey.getPrivate(), der);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("libp2p tls: cannot make the certificate: " + e.getMessage(), e);
    }
  }
}
