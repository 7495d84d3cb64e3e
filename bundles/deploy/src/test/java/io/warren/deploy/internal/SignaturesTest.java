package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.deploy.DeployException;
import io.warren.testing.Jars;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Version;

/** Jars signed by the JDK's jarsigner, checked the way a node checks a push. */
class SignaturesTest {
  @TempDir static Path dir;
  static Jars.Publisher trusted;
  static Jars.Publisher stranger;
  static Path plain;
  static Path signed;

  @BeforeAll
  static void keysAndJars() throws Exception {
    trusted = Jars.publisher(dir.resolve("keys"), "trusted");
    stranger = Jars.publisher(dir.resolve("keys"), "stranger");
    plain = dir.resolve("plain.jar");
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().putValue("Bundle-SymbolicName", "org.example.thing;singleton:=true");
    m.getMainAttributes().putValue("Bundle-Version", "1.2.3");
    try (JarOutputStream o = new JarOutputStream(Files.newOutputStream(plain), m)) {
      o.putNextEntry(new JarEntry("org/example/thing/data.txt"));
      o.write("some data".getBytes(StandardCharsets.UTF_8));
      o.closeEntry();
    }
    signed = Jars.sign(plain, dir.resolve("signed.jar"), trusted);
  }

  private static Map<String, X509Certificate> trust(Jars.Publisher... ps) throws Exception {
    Map<String, X509Certificate> out = new java.util.HashMap<>();
    for (Jars.Publisher p : ps) {
      try (InputStream in = Files.newInputStream(p.certificate())) {
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        out.put(Signatures.fingerprint(c), c);
      }
    }
    return out;
  }

  private static String refusal(Path jar, Map<String, X509Certificate> trusted) {
    return assertThrows(DeployException.class, () -> Signatures.verify(jar, trusted)).getMessage();
  }

  @Test
  void aJarSignedByATrustedPublisherIsItsBundleAndVersion() throws Exception {
    Signatures.Verified v = Signatures.verify(signed, trust(trusted));
    assertEquals("org.example.thing", v.bundle());
    assertEquals(new Version(1, 2, 3), v.version());
    assertTrue(v.signer().getSubjectX500Principal().getName().contains("CN=trusted"));
  }

  @Test
  void unsignedIsRefused() throws Exception {
    assertTrue(refusal(plain, trust(trusted)).contains("unsigned"), refusal(plain, trust(trusted)));
  }

  @Test
  void aPublisherNotTrustedIsRefusedByName() throws Exception {
    Path other = Jars.sign(plain, dir.resolve("other.jar"), stranger);
    String why = refusal(other, trust(trusted));
    assertTrue(why.contains("CN=stranger") && why.contains("does not trust"), why);
    assertTrue(refusal(signed, Map.of()).contains("does not trust"));
  }

  @Test
  void aChangedEntryIsRefusedAsTampered() throws Exception {
    Path t = Jars.tamper(signed, dir.resolve("tampered.jar"), "org/example/thing/data.txt", "other data");
    String why = refusal(t, trust(trusted));
    assertTrue(why.contains("tampered"), why);
  }

  @Test
  void aVersionChangedAfterSigningIsRefused() throws Exception {
    String text;
    try (JarFile j = new JarFile(signed.toFile(), false)) {
      text = new String(j.getInputStream(j.getEntry("META-INF/MANIFEST.MF")).readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(text.contains("Bundle-Version: 1.2.3"));
    Path t = Jars.tamper(signed, dir.resolve("version.jar"), "META-INF/MANIFEST.MF",
        text.replace("Bundle-Version: 1.2.3", "Bundle-Version: 9.2.3"));
    String why = refusal(t, trust(trusted));
    assertTrue(why.contains("tampered"), why);
  }

  @Test
  void anEntryAddedAfterSigningIsRefused() throws Exception {
    Path t = dir.resolve("added.jar");
    try (JarFile in = new JarFile(signed.toFile(), false);
        JarOutputStream o = new JarOutputStream(Files.newOutputStream(t))) {
      for (var e = in.entries(); e.hasMoreElements();) {
        JarEntry x = e.nextElement();
        o.putNextEntry(new JarEntry(x.getName()));
        in.getInputStream(x).transferTo(o);
        o.closeEntry();
      }
      o.putNextEntry(new JarEntry("org/example/thing/Evil.class"));
      o.write(new byte[] {1, 2, 3});
      o.closeEntry();
    }
    String why = refusal(t, trust(trusted));
    assertTrue(why.contains("unsigned entry org/example/thing/Evil.class"), why);
  }

  @Test
  void twoPublishersOfWhichOneIsTrustedIsEnough() throws Exception {
    Path both = Jars.sign(signed, dir.resolve("both.jar"), stranger);
    assertEquals("org.example.thing", Signatures.verify(both, trust(trusted)).bundle());
  }

  @Test
  void signatureFilesAreOnlyThoseJarsignerWrites() {
    assertTrue(Signatures.signatureFile("META-INF/TRUSTED.SF"));
    assertTrue(Signatures.signatureFile("META-INF/TRUSTED.EC"));
    assertTrue(Signatures.signatureFile("META-INF/MANIFEST.MF"));
    assertFalse(Signatures.signatureFile("META-INF/maven/x/pom.properties"));
    assertFalse(Signatures.signatureFile("META-INF/sub/X.SF"));
    assertFalse(Signatures.signatureFile("org/example/X.SF"));
  }
}
