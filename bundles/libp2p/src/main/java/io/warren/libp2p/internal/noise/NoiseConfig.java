package io.warren.libp2p.internal.noise;

import io.warren.libp2p.internal.crypto.LocalIdentity;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What every Noise connection of this node shares: the identity key, a Noise static key (distinct
 * from the identity key, as the spec requires; fresh per config), its signature, and the stream
 * muxers to advertise in the handshake (empty: negotiate the muxer by multistream-select instead).
 */
public final class NoiseConfig {

  /** multistream-select protocol id of noise-libp2p. */
  public static final String PROTOCOL_ID = "/noise";
  static final byte[] STATIC_KEY_SIGNATURE_PREFIX = "noise-libp2p-static-key:".getBytes(StandardCharsets.US_ASCII);

  private final LocalIdentity identity;
  private final X25519.KeyPair staticKey;
  private final List<String> muxers;
  private final byte[] payload;

  public NoiseConfig(LocalIdentity identity, List<String> muxers) {
    this(identity, X25519.generate(), muxers);
  }

  NoiseConfig(LocalIdentity identity, X25519.KeyPair staticKey, List<String> muxers) {
    this(identity, staticKey, muxers, new NoiseHandshakePayload(identity.publicKey().toProtobuf(),
        identity.sign(concat(STATIC_KEY_SIGNATURE_PREFIX, staticKey.publicKey())), List.of(), muxers).encode());
  }

  /** Test hook: a config that sends {@code payload} as is (e.g. with a bad signature). */
  NoiseConfig(LocalIdentity identity, X25519.KeyPair staticKey, List<String> muxers, byte[] payload) {
    this.identity = identity;
    this.staticKey = staticKey;
    this.muxers = List.copyOf(muxers);
    this.payload = payload.clone();
  }

  public LocalIdentity identity() {
    return identity;
  }

  public List<String> muxers() {
    return muxers;
  }

  X25519.KeyPair staticKey() {
    return staticKey;
  }

  byte[] payload() {
    return payload.clone();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
