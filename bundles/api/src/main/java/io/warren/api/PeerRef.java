package io.warren.api;

import java.util.HexFormat;
import java.util.Objects;

/**
 * A peer, named by the key that authenticates it: a libp2p peer ID ({@value #LIBP2P}) or a Nostr
 * x-only public key in hex ({@value #NOSTR}). This is what services store and pass around; the
 * {@link PeerDirectory} turns what a user typed (a name, an npub, a peer ID) into one, and opens
 * streams to it on whichever {@link Transport} reaches it. Its text form {@code scheme:id} is
 * stable and safe to persist.
 *
 * @param transport the scheme of {@code id}, equal to the {@link Transport#name()} that reaches
 *     peers of that kind: {@value #LIBP2P} or {@value #NOSTR}
 * @param id the key in that scheme's canonical text form
 */
public record PeerRef(String transport, String id) {
  /** Peers named by a libp2p peer ID, reached over libp2p. */
  public static final String LIBP2P = "libp2p";
  /** Peers named by a Nostr public key (hex), reached through a Nostr relay. */
  public static final String NOSTR = "nostr";

  public PeerRef {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(id, "id");
    if (transport.isBlank() || id.isBlank()) {
      throw new IllegalArgumentException("peer reference needs a transport and an id");
    }
  }

  /** The reference of a libp2p peer. */
  public static PeerRef libp2p(PeerId peer) {
    return new PeerRef(LIBP2P, peer.toString());
  }

  /** The reference of a Nostr key (32 bytes, x-only). */
  public static PeerRef nostr(byte[] xOnlyKey) {
    if (xOnlyKey.length != 32) {
      throw new IllegalArgumentException("Nostr public key must be 32 bytes, got " + xOnlyKey.length);
    }
    return new PeerRef(NOSTR, HexFormat.of().formatHex(xOnlyKey));
  }

  /**
   * Parses the text form {@code scheme:id} written by {@link #toString()}, checking the id.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static PeerRef parse(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "not a peer reference (expected libp2p:<peer ID> or nostr:<hex key>): " + text);
    }
    String scheme = text.substring(0, colon);
    String id = text.substring(colon + 1);
    return switch (scheme) {
      case LIBP2P -> libp2p(PeerId.parse(id));
      case NOSTR -> nostr(HexFormat.of().parseHex(id));
      default -> new PeerRef(scheme, id);
    };
  }

  /** The peer ID of a libp2p reference. */
  public PeerId peerId() {
    if (!transport.equals(LIBP2P)) {
      throw new IllegalStateException(this + " is not a libp2p peer");
    }
    return PeerId.parse(id);
  }

  @Override
  public String toString() {
    return transport + ":" + id;
  }
}
