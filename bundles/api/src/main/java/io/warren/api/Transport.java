package io.warren.api;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A way to reach peers: libp2p, a Nostr relay, ... Registered as an OSGi service with the
 * service property {@value #NAME} equal to {@link #name()}.
 */
public interface Transport {

  /** Service property carrying {@link #name()}. */
  String NAME = "warren.transport";

  /** Short stable name used in {@link PeerRef#transport()}, e.g. {@code libp2p}. */
  String name();

  /**
   * Opens a stream to {@code peer} speaking {@code protocolId}, connecting first if needed.
   *
   * <p>Completes with the stream once the peer accepted the protocol, or exceptionally with a
   * {@link TransportException} that says why (unknown peer, unreachable, protocol refused,
   * limit reached). Never blocks the caller.
   */
  CompletionStage<Stream> open(PeerRef peer, String protocolId);

  /** Addresses this transport listens on, in its own text form (multiaddrs, ws:// URLs). */
  List<String> listenAddresses();
}
