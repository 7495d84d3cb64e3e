package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.ssh.AuthorizedKey;
import io.warren.store.internal.H2Store;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorizedKeyServiceTest {
  @TempDir Path dir;
  private H2Store store;

  @BeforeEach
  void open() {
    store = H2Store.open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static String line(KeyPair k, String comment) {
    return PublicKeyEntry.toString(k.getPublic()) + " " + comment;
  }

  private static KeyPair rsa(int bits) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(bits);
    return g.generateKeyPair();
  }

  @Test
  void acceptsEd25519EcdsaAndLargeRsaKeysAndKeepsThem() throws Exception {
    AuthorizedKeyService keys = new AuthorizedKeyService(store);
    KeyPair ed = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    KeyPair ec = KeyUtils.generateKeyPair("ecdsa-sha2-nistp384", 384);
    KeyPair rsa = rsa(3072);
    AuthorizedKey a = keys.add(line(ed, "ed@host"));
    assertEquals("ssh-ed25519", a.type());
    assertEquals(KeyUtils.getFingerPrint(ed.getPublic()), a.fingerprint());
    assertEquals("ecdsa-sha2-nistp384", keys.add(line(ec, "ec@host")).type());
    assertEquals(3072, keys.add(line(rsa, "rsa@host")).bits());
    assertThrows(IllegalArgumentException.class, () -> keys.add(line(ed, "again")), "a key is added once");

    AuthorizedKeyService reopened = new AuthorizedKeyService(store);
    assertEquals(List.of("ed@host", "ec@host", "rsa@host"),
        reopened.list().stream().map(AuthorizedKey::comment).toList());
    assertTrue(reopened.authorizes(ed.getPublic()));
    assertTrue(reopened.authorizes(rsa.getPublic()));
    assertFalse(reopened.authorizes(KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic()));

    assertEquals(1, reopened.remove(a.fingerprint()).size());
    assertFalse(reopened.authorizes(ed.getPublic()));
    assertThrows(IllegalArgumentException.class, () -> reopened.remove("nobody"));
  }

  @Test
  void refusesSmallRsaOtherKindsOptionsAndGarbage() throws Exception {
    AuthorizedKeyService keys = new AuthorizedKeyService(store);
    IllegalArgumentException small =
        assertThrows(IllegalArgumentException.class, () -> keys.add(line(rsa(2048), "small")));
    assertTrue(small.getMessage().contains("3072"), small.getMessage());
    String ed = PublicKeyEntry.toString(KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic());
    for (String bad : List.of("", "garbage", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "ssh-ed25519 AAAA!!notbase64",
        "command=\"/bin/sh\" " + ed, "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAI",
        ed + "\nssh-ed25519 AAAA")) {
      assertThrows(IllegalArgumentException.class, () -> keys.add(bad), bad);
    }
    assertTrue(keys.list().isEmpty());
  }
}
