package io.warren.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Who a peer is and how to reach it, for services that must not care which transport does. One
 * implementation is registered by the node; it parses literal forms itself (a peer ID, an
 * {@code npub1...}, a 64-digit hex Nostr key, a stored {@code scheme:id}) and asks every
 * {@link PeerNames} service for names (network node names, device callsigns).
 */
public interface PeerDirectory {

  /**
   * The peer {@code text} names: a peer ID, an npub or hex key, a {@code scheme:id} reference, or
   * a name one of the registered {@link PeerNames} knows. A literal form always wins over a name.
   *
   * @throws IllegalArgumentException saying why when nothing, or more than one peer, matches
   */
  PeerRef resolve(String text);

  /** A human-friendly name for {@code peer} if a {@link PeerNames} knows one. */
  Optional<String> nameOf(PeerRef peer);

  /** The names of the transports registered now that reach peers of {@code peer}'s kind. */
  List<String> transportsFor(PeerRef peer);

  /**
   * Opens a stream to {@code peer} speaking {@code protocolId} on the transport that reaches it.
   * Completes exceptionally with a {@link TransportException} when no registered transport
   * reaches that kind of peer, or with the transport's own failure.
   */
  CompletionStage<Stream> open(PeerRef peer, String protocolId);
}
