package io.warren.api;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * A port this node serves outside the overlay to operators or clients (the SSH console ...), not a
 * transport: registered by the service, so the node's ready banner can say where to connect.
 */
public interface Listener {

  /** A short name for the banner ({@code ssh}). */
  String name();

  /** Where it listens, or empty when it is off. */
  Optional<InetSocketAddress> address();
}
