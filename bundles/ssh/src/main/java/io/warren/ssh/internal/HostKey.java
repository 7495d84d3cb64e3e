package io.warren.ssh.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The node's SSH host key: created once (ed25519 where MINA SSHD supports it, as it does with
 * Bouncy Castle, else ECDSA P-256) and kept in the store as an OpenSSH private key file, so
 * clients see the same key after every restart. The node's client key ({@code ssh:shell} to devices)
 * is made and kept the same way.
 */
final class HostKey {
  private HostKey() {}

  static KeyPair load(SshStore db) {
    return load(db, SshStore.OwnKey.HOST);
  }

  static KeyPair load(SshStore db, SshStore.OwnKey which) {
    byte[] stored = db.key(which).orElseGet(() -> db.keyOnce(which, encode(generate())));
    try {
      Iterator<KeyPair> keys = SecurityUtils
          .loadKeyPairIdentities(null, NamedResource.ofName("ssh " + which), new ByteArrayInputStream(stored), null)
          .iterator();
      if (!keys.hasNext()) {
        throw new IllegalStateException("ssh: the stored " + which + " key holds no key");
      }
      return keys.next();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("ssh: the stored " + which + " key cannot be read: " + e.getMessage(), e);
    }
  }

  static KeyPair generate() {
    try {
      return SecurityUtils.isEDDSACurveSupported()
          ? KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256)
          : KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ssh: cannot create a host key: " + e.getMessage(), e);
    }
  }

  static byte[] encode(KeyPair key) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "warren host key", null, out);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("ssh: cannot encode the host key: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** The public key as an OpenSSH line, for known_hosts. */
  static String line(KeyPair key) {
    return PublicKeyEntry.toString(key.getPublic());
  }

  static String fingerprint(KeyPair key) {
    return KeyUtils.getFingerPrint(key.getPublic());
  }
}
