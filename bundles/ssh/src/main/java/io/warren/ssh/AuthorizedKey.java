package io.warren.ssh;

import java.time.Instant;

/**
 * A public key that may log in as the node's admin over SSH.
 *
 * @param fingerprint SHA256 fingerprint as OpenSSH prints it ({@code SHA256:<base64>})
 * @param type the key type ({@code ssh-ed25519}, {@code ecdsa-sha2-nistp256}, {@code ssh-rsa} ...)
 * @param bits the key size in bits
 * @param comment the comment of the key line (often user@host), or empty
 * @param added when it was added
 */
public record AuthorizedKey(String fingerprint, String type, int bits, String comment, Instant added) {}
