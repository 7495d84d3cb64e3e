package io.warren.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.identity.Bech32;
import io.warren.identity.Bip340;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityServiceTest {
  @TempDir Path dir;

  @Test
  void keysAreCreatedPrivateAndReloadedUnchanged() throws Exception {
    Path file = dir.resolve("identity").resolve("keys");
    IdentityService first = new IdentityService(file, "");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    IdentityService second = new IdentityService(file, "box");
    assertEquals(first.peerId(), second.peerId());
    assertEquals(first.npub(), second.npub());
    assertEquals("box", second.name());
    assertTrue(first.peerId().startsWith("12D3KooW"), first.peerId());
    assertEquals("npub", Bech32.decode(first.npub()).hrp());
  }

  @Test
  void signaturesVerifyWithThePublishedKeys() throws Exception {
    IdentityService id = new IdentityService(dir.resolve("keys"), "");
    byte[] data = "hello".getBytes();
    Signature v = Signature.getInstance("Ed25519");
    byte[] x509 = HexFormat.of().parseHex("302a300506032b6570032100" + HexFormat.of().formatHex(id.publicKey()));
    v.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509)));
    v.update(data);
    assertTrue(v.verify(id.sign(data)));
    byte[] msg = new byte[32];
    assertTrue(Bip340.verify(id.nostrPublicKey(), msg, id.signNostr(msg)));
  }

  @Test
  void aCorruptKeyFileIsAnErrorNotANewIdentity() throws Exception {
    Path file = dir.resolve("keys");
    new IdentityService(file, "");
    String original = Files.readString(file);
    Files.writeString(file, original.replaceAll("ed25519.private=.*", "ed25519.private=AAAA"));
    IOException e = assertThrows(IOException.class, () -> new IdentityService(file, ""));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    assertTrue(Files.readString(file).contains("ed25519.private=AAAA"), "the file must be left as it was");
  }

  @Test
  void aNostrSecretOutOfRangeIsFoundAtStartNotWhenTheKeyIsFirstUsed() throws Exception {
    Path file = dir.resolve("keys");
    new IdentityService(file, "");
    String original = Files.readString(file);
    // the group order n itself: 32 bytes of valid hex, but not a scalar in 1..n-1
    Files.writeString(file, original.replaceAll("secp256k1.secret=.*",
        "secp256k1.secret=fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));
    IOException e = assertThrows(IOException.class, () -> new IdentityService(file, ""));
    assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("out of range"), e.getMessage());
  }

  @Test
  void theNostrPublicKeyDerivedAsideIsTheOneOfTheSecret() throws Exception {
    Path file = dir.resolve("keys");
    new IdentityService(file, "");
    String secret = Files.readAllLines(file).stream().filter(l -> l.startsWith("secp256k1.secret="))
        .findFirst().orElseThrow().substring("secp256k1.secret=".length()).trim();
    IdentityService id = new IdentityService(file, "");
    assertEquals(HexFormat.of().formatHex(Bip340.publicKey(HexFormat.of().parseHex(secret))),
        HexFormat.of().formatHex(id.nostrPublicKey()));
    assertEquals(Bech32.encode("npub", id.nostrPublicKey()), id.npub());
  }
}
