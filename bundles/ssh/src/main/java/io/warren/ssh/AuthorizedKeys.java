package io.warren.ssh;

import java.security.PublicKey;
import java.util.List;

/** The public keys that may log in as the node's admin over SSH, kept in the node's store. */
public interface AuthorizedKeys {

  /**
   * Adds a key given as an OpenSSH public key line ({@code ssh-ed25519 AAAA... comment}).
   *
   * @throws IllegalArgumentException when the line is not a public key of an accepted kind (ed25519,
   *     ecdsa, rsa of at least 3072 bits) or the key is already authorised
   */
  AuthorizedKey add(String line);

  /** The authorised keys, oldest first. */
  List<AuthorizedKey> list();

  /**
   * Removes the keys with this fingerprint ({@code SHA256:...}) or comment.
   *
   * @return the keys removed
   * @throws IllegalArgumentException when no key matches
   */
  List<AuthorizedKey> remove(String fingerprintOrComment);

  /** Whether {@code key} is authorised. */
  boolean authorizes(PublicKey key);
}
