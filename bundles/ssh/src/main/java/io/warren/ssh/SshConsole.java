package io.warren.ssh;

import java.net.InetSocketAddress;
import java.util.Optional;

/** The node's console over SSH. */
public interface SshConsole {

  /** The host key's SHA256 fingerprint as OpenSSH prints it ({@code SHA256:<base64>}). */
  String fingerprint();

  /** The host public key as an OpenSSH line ({@code ssh-ed25519 AAAA...}), for known_hosts. */
  String hostKey();

  /** Where it listens, or empty when it is off. */
  Optional<InetSocketAddress> address();

  /** Open SSH connections (authenticated or not). */
  int sessions();

  /** One-time {@code ssh:shell} passwords issued to other nodes and not yet used or expired. */
  int tickets();
}
