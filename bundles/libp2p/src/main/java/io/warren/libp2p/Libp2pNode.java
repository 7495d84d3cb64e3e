package io.warren.libp2p;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * This node's libp2p host. Registered as an OSGi service next to the libp2p
 * {@link io.warren.api.Transport}.
 *
 * <p>A target is either a peer ID ({@code 12D3KooW...}), reached over an open connection or an
 * address learned from connect/identify, or a multiaddr ({@code /ip4/1.2.3.4/tcp/4001[/p2p/...]}),
 * dialled unless a connection to that peer is already open. Futures fail with
 * {@link io.warren.api.TransportException} saying why.
 */
public interface Libp2pNode {

  /** This node's peer ID. */
  String peerId();

  /** The multiaddrs this node listens on, each ending in {@code /p2p/<peer ID>}. */
  List<String> listenAddresses();

  /** The open connections, oldest first. */
  List<PeerInfo> peers();

  /** Connects to {@code multiaddr} (reusing an open connection to that peer) and identifies the peer. */
  CompletionStage<PeerInfo> connect(String multiaddr);

  /**
   * Reserves a slot at the circuit relay at {@code relayMultiaddr} (connecting first); returns the
   * {@code .../p2p-circuit/p2p/<this node>} addresses others can now reach this node at.
   */
  CompletionStage<List<String>> reserve(String relayMultiaddr);

  /** Runs {@code count} rounds of {@code /ipfs/ping/1.0.0} on one stream to {@code target}. */
  CompletionStage<PingResult> ping(String target, int count);

  /** Sends {@code bytes} pseudo-random bytes over {@code /echo/1.0.0} and checks what comes back. */
  CompletionStage<EchoResult> echo(String target, long bytes);
}
