package io.warren.nostr;

import java.util.List;

/**
 * This node's Nostr relay, registered as a service whether or not it is enabled (it is also the
 * node's {@code nostr} {@link io.warren.api.Transport}, so {@code node:info} lists its URL).
 */
public interface Relay {

  /** Whether the relay is listening. */
  boolean running();

  /** The {@code ws://host:port} URLs it listens on; empty when not running. */
  List<String> listenAddresses();

  /** Open WebSocket connections. */
  int connections();

  /** Events held in the node's store. */
  long storedEvents();

  /** The limits in force, as the NIP-11 document reports them. */
  RelayLimits limits();
}
