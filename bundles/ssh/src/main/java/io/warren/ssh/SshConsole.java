package io.warren.ssh;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/** The node's console over SSH. */
public interface SshConsole {

  /** The host key's SHA256 fingerprint as OpenSSH prints it ({@code SHA256:<base64>}). */
  String fingerprint();

  /** The host public key as an OpenSSH line ({@code ssh-ed25519 AAAA...}), for known_hosts. */
  String hostKey();

  /**
   * The public key this node's {@code ssh:shell} logs in to Nostr devices with, as an OpenSSH line:
   * a device's admin lets it in with {@code ssh:keys add <line>}. Created once, kept in the store.
   */
  String clientKey();

  /** Where it listens, or empty when it is off. */
  Optional<InetSocketAddress> address();

  /** Open SSH connections (authenticated or not). */
  int sessions();

  /** The OS user the system shell runs as where the configuration turns it on, else empty. */
  Optional<String> systemShellUser();

  /** The directory SFTP is confined to where the configuration turns it on, else empty. */
  Optional<Path> sftpDirectory();

  /** Whether {@code ssh -L} (local port forwarding) is allowed. */
  boolean localForwarding();

  /**
   * Whether {@code ssh:shell} from Nostr devices (through a relay, no remote admin) may reach this
   * console; they log in with the admin password or an authorised key.
   */
  boolean deviceLogins();

  /** One-time {@code ssh:shell} passwords issued to other nodes and not yet used or expired. */
  int tickets();
}
