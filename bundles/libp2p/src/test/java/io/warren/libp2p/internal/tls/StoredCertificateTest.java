package io.warren.libp2p.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS certificate kept between starts: reused while good, replaced when it is not, never a reason to fail. */
class StoredCertificateTest {

  @TempDir Path dir;

  @Test
  void aKeptCertificateIsUsedAgainAndWorksAsTheOneMade() throws Exception {
    LocalIdentity id = Ed25519Identity.generate();
    Path file = dir.resolve("libp2p").resolve("tls-certificate");
    Libp2pCertificate made = StoredCertificate.loadOrMake(file, id);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
        "the certificate's key is a secret");
    assertFalse(Files.exists(file.resolveSibling("tls-certificate.tmp")));

    Libp2pCertificate again = StoredCertificate.loadOrMake(file, id);
    assertArrayEquals(made.der(), again.der(), "the next start presents the same certificate");
    assertEquals(id.publicKey(), Libp2pCertificate.verify(new Certificate[] {again.certificate()}, Instant.now()));
    // the key read back is the certificate's: what it signs verifies with the certificate's public key
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(again.privateKey());
    s.update(new byte[] {1, 2, 3});
    byte[] sig = s.sign();
    Signature v = Signature.getInstance("SHA256withECDSA");
    v.initVerify(again.certificate().getPublicKey());
    v.update(new byte[] {1, 2, 3});
    assertTrue(v.verify(sig));
  }

  @Test
  void anotherNodeKeyGetsANewCertificate() throws Exception {
    Path file = dir.resolve("tls-certificate");
    Libp2pCertificate first = StoredCertificate.loadOrMake(file, Ed25519Identity.generate());
    LocalIdentity replaced = Ed25519Identity.generate();
    Libp2pCertificate second = StoredCertificate.loadOrMake(file, replaced);
    assertFalse(Arrays.equals(first.der(), second.der()));
    assertEquals(replaced.publicKey(), Libp2pCertificate.verify(second.der(), Instant.now()));
    assertArrayEquals(second.der(), StoredCertificate.load(file, replaced, Instant.now()).der(),
        "the new one is what is kept");
  }

  @Test
  void aDamagedFileIsReplacedNotFatal() throws Exception {
    LocalIdentity id = Ed25519Identity.generate();
    Path file = dir.resolve("tls-certificate");
    Libp2pCertificate first = StoredCertificate.loadOrMake(file, id);
    List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file, StandardCharsets.ISO_8859_1));
    int at = lines.indexOf(lines.stream().filter(l -> l.startsWith("certificate=")).findFirst().orElseThrow());
    // one character of the certificate changed: still base64, still perhaps parseable, not ours
    String cert = lines.get(at);
    lines.set(at, cert.substring(0, 40) + (cert.charAt(40) == 'A' ? 'B' : 'A') + cert.substring(41));
    Files.write(file, lines, StandardCharsets.ISO_8859_1);
    assertNull(StoredCertificate.load(file, id, Instant.now()));
    Libp2pCertificate second = StoredCertificate.loadOrMake(file, id);
    assertFalse(Arrays.equals(first.der(), second.der()));
    assertEquals(id.publicKey(), Libp2pCertificate.verify(second.der(), Instant.now()));

    Files.writeString(file, "not a certificate file \\u12");
    assertEquals(id.publicKey(), Libp2pCertificate.verify(StoredCertificate.loadOrMake(file, id).der(), Instant.now()));
  }

  @Test
  void aCertificateIsReplacedAMonthAfterItWasMade() throws Exception {
    LocalIdentity id = Ed25519Identity.generate();
    Path file = dir.resolve("tls-certificate");
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = g.generateKeyPair();
    Instant made = Instant.now().minus(Duration.ofDays(StoredCertificate.MAX_AGE_DAYS + 1));
    Libp2pCertificate old = Libp2pCertificate.selfSigned(key, "SHA256withECDSA", X9ObjectIdentifiers.ecdsa_with_SHA256,
        made.minus(Libp2pCertificate.BACKDATE), made.plus(Libp2pCertificate.VALIDITY),
        List.of(Libp2pCertificate.extension(id.publicKey().toProtobuf(),
            id.sign(Libp2pCertificate.signedData(key.getPublic().getEncoded())))));
    StoredCertificate.save(file, old);
    assertNull(StoredCertificate.load(file, id, Instant.now()));
    assertArrayEquals(old.der(), StoredCertificate.load(file, id, made.plus(Duration.ofDays(1))).der(),
        "a day after it was made it was still used");
    assertFalse(Arrays.equals(old.der(), StoredCertificate.loadOrMake(file, id).der()));
  }
}
