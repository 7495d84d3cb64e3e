package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.deploy.DeployException;
import io.warren.deploy.Deployer.Offer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's own publisher key: its certificate parses and is valid now, what it signs passes the same
 * verification a push does (only when its certificate is trusted), and a feature file's bundles are
 * found in Maven layout.
 */
class SignerTest {
  @TempDir Path dir;

  @Test
  void whatTheNodesKeySignsVerifiesAgainstItsCertificateOnly() throws Exception {
    byte[][] made = Signer.create("Warren node p 12D3KooWExample");
    Signer signer = new Signer(made[0], made[1]);
    X509Certificate c = signer.certificate();
    c.checkValidity();
    assertEquals("CN=Warren node p 12D3KooWExample", Signatures.subject(c));
    X509Certificate fromPem = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
        new ByteArrayInputStream(signer.pem().getBytes(StandardCharsets.US_ASCII)));
    assertEquals(c, fromPem);

    Path plain = bundle(dir.resolve("plain.jar"), "io.example.signed", "2.0.0");
    Path signed = dir.resolve("signed.jar");
    signer.sign(plain, signed);
    Signatures.Verified v = Signatures.verify(signed, Map.of(Signatures.fingerprint(c), c));
    assertEquals("io.example.signed", v.bundle());
    assertEquals("2.0.0", v.version().toString());
    assertEquals(c, v.signer());
    DeployException untrusted = assertThrows(DeployException.class, () -> Signatures.verify(signed, Map.of()));
    assertTrue(untrusted.getMessage().contains("does not trust"), untrusted.getMessage());
    // another node's key is another publisher
    byte[][] other = Signer.create("Warren node q");
    assertTrue(!Signatures.fingerprint(new Signer(other[0], other[1]).certificate()).equals(Signatures.fingerprint(
        c)));
  }

  @Test
  void aFeaturesBundlesAreReadFromMavenLayoutInTheFilesOrder() throws Exception {
    Path system = dir.resolve("system");
    Path a = FeatureFile.jar(system, "io.example:a:1.0.0");
    Path b = FeatureFile.jar(system, "io.example:b:jar:linux:2.0.0");
    Files.createDirectories(a.getParent());
    Files.createDirectories(b.getParent());
    bundle(a, "io.example.a", "1.0.0");
    bundle(b, "io.example.b", "2.0.0");
    assertTrue(b.toString().endsWith("io/example/b/2.0.0/b-2.0.0-linux.jar"), b.toString());
    Path feature = Files.writeString(dir.resolve("f.json"), """
        {
          "id": "io.example:features:slingosgifeature:f:1.0.0",
          "bundles": [
            // the library first
            { "id": "io.example:b:jar:linux:2.0.0", "start-order": "5" },
            { "id": "io.example:a:1.0.0" }
          ]
        }
        """);
    Offer offer = FeatureFile.read(feature, system);
    assertEquals("io.example.b", offer.signed().get(0).bundle());
    assertEquals("io.example.a", offer.signed().get(1).bundle());
    assertEquals("1.0.0", offer.signed().get(1).version());
    Path missing = Files.writeString(dir.resolve("g.json"), "{\"bundles\": [\"io.example:c:1.0.0\"]}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureFile.read(missing,
        system));
    assertTrue(e.getMessage().contains("names io.example:c:1.0.0 but"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FeatureFile.jar(system, "../../etc:passwd:1"));
  }

  private static Path bundle(Path out, String name, String version) throws Exception {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().putValue("Bundle-SymbolicName", name);
    m.getMainAttributes().putValue("Bundle-Version", version);
    try (JarOutputStream o = new JarOutputStream(Files.newOutputStream(out), m)) {
      o.putNextEntry(new JarEntry("io/example/Thing.txt"));
      o.write("a resource".getBytes(StandardCharsets.UTF_8));
      o.closeEntry();
    }
    return out;
  }
}
