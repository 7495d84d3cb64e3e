package io.warren.api;

/**
 * This node's long-lived keys. The private keys never leave the implementation: callers ask it to
 * sign.
 *
 * <p>Thread-safe; keys are created on first start and kept in the data directory.
 */
public interface NodeIdentity {

  /** The libp2p peer ID in its standard text form ({@code 12D3KooW...}). */
  String peerId();

  /** The raw 32-byte Ed25519 public key behind {@link #peerId()}. */
  byte[] publicKey();

  /** Signs {@code data} with the node's Ed25519 key (64-byte signature). */
  byte[] sign(byte[] data);

  /** The 32-byte x-only secp256k1 public key used on Nostr. */
  byte[] nostrPublicKey();

  /** {@link #nostrPublicKey()} as NIP-19 {@code npub1...}. */
  String npub();

  /** A BIP-340 Schnorr signature (64 bytes) of a 32-byte message with the Nostr key. */
  byte[] signNostr(byte[] message32);

  /** A human-friendly node name (the host name unless configured). */
  String name();
}
