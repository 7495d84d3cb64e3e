package io.warren.identity;

import java.util.List;
import java.util.Optional;

/**
 * The networks this node is a member of and the nodes it joins through, as given with
 * {@code --default-network-credentials} and {@code --bootstrap} and kept across restarts.
 *
 * <p>A network password is never stored: only a key derived from it and the network name
 * ({@link #deriveKey}), which is what membership proofs use, so every member derives the same key.
 */
public interface NetworkCredentials {

  /** A network and the key derived from its password. */
  record Network(String name, byte[] key) {}

  /** The network named by {@code --default-network-credentials}, if one was ever given. */
  Optional<Network> defaultNetwork();

  /** Base64 bootstrap identities ({@code node:identity -b64} of other nodes), oldest first. */
  List<String> bootstrapIdentities();

  /**
   * Keeps {@code base64} (a {@code node:identity -b64}) as a bootstrap identity, as
   * {@code --bootstrap} does; true if it was new.
   */
  boolean addBootstrap(String base64);

  /** PBKDF2-HMAC-SHA256 of the password, salted with the network name (see implementation). */
  byte[] deriveKey(String network, char[] password);
}
