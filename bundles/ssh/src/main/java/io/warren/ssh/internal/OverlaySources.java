package io.warren.ssh.internal;

import io.netty.channel.Channel;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the SSH server's loopback connections from {@link OverlayShellHandler} really come from: the
 * overlay stream's source ({@link io.warren.api.Stream#source}, the address of the connection that
 * carried it, or of the relay it came through), so that password guesses through the overlay are
 * limited by that source and do not lock out logins from the node's own loopback. An entry lives
 * as long as its loopback connection, so there are at most as many as the server takes connections.
 */
final class OverlaySources {
  private final Map<SocketAddress, String> sources = new ConcurrentHashMap<>();

  /** {@code loopback}, connected to the server, carries a stream from {@code source}. */
  void add(Channel loopback, String source) {
    SocketAddress local = loopback.localAddress();
    sources.put(local, source);
    loopback.closeFuture().addListener(f -> sources.remove(local, source));
  }

  /** The overlay source of the server's client at {@code client}, if it is one of these connections. */
  Optional<String> of(SocketAddress client) {
    return client == null ? Optional.empty() : Optional.ofNullable(sources.get(client));
  }
}
