package io.warren.libp2p;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * This node's libp2p host. Registered as an OSGi service next to the libp2p
 * {@link io.warren.api.Transport}.
 *
 * <p>A target is either a peer ID ({@code 12D3KooW...}), reached over an open connection or an
 * address learned from connect/identify, or a multiaddr ({@code /ip4/1.2.3.4/tcp/4001[/p2p/...]}),
 * dialled unless a connection to that peer is already open. Futures fail with
 * {@link io.warren.api.TransportException} saying why.
 */
@ProviderType
public interface Libp2pNode {

  /** This node's peer ID. */
  String peerId();

  /**
   * The multiaddrs this node can be reached at, each ending in {@code /p2p/<peer ID>}: its listen
   * addresses, then the circuit addresses of its relay reservations ({@code .../p2p-circuit/p2p/<peer ID>}).
   */
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

  /**
   * Upgrades the relayed connection to {@code peerId} to a direct one now (DCUtR: dial the peer's
   * direct listen addresses, else hole punch through the relay), whether or not {@code dcutr.enabled}
   * is on; within the DCUtR dial budget. Completes with the direct connection (at once if one is
   * open already); fails if there is no connection to the peer or no direct path was found. Streams
   * already open stay on the relayed connection, which closes once it carries none.
   */
  CompletionStage<PeerInfo> upgrade(String peerId);

  /** Runs {@code count} rounds of {@code /ipfs/ping/1.0.0} on one stream to {@code target}. */
  CompletionStage<PingResult> ping(String target, int count);

  /** Sends {@code bytes} pseudo-random bytes over {@code /echo/1.0.0} and checks what comes back. */
  CompletionStage<EchoResult> echo(String target, long bytes);

  /**
   * Remembers addresses of {@code peerId}, so that {@link io.warren.api.Transport#open} and
   * {@link #ping} reach it while it is not connected: an open connection is reused, else the direct
   * addresses ({@code /ip4|ip6|dns*\/<host>/tcp/<port>[/p2p/<peerId>]}) are dialled first, then the
   * circuit ones ({@code .../p2p/<relay>/p2p-circuit[/p2p/<peerId>]}). Entries that are not such an
   * address of that peer are ignored (logged at debug); the address book is bounded, the oldest
   * addresses of a peer give way to new ones.
   *
   * @throws IllegalArgumentException if {@code peerId} is not a peer ID
   */
  void addAddresses(String peerId, List<String> multiaddrs);

  /**
   * Whether peers can dial this node: {@code public}, {@code private} or {@code unknown}, then why in
   * parentheses (configured, no listen address, or what AutoNAT found). A private node keeps relay
   * reservations, and so does one AutoNAT is still unsure about when peers see it behind NAT.
   */
  String reachability();

  /**
   * Whether peers can dial this node, from how many peers AutoNAT heard so, since when, and the
   * relay reservations and circuit addresses it holds meanwhile.
   */
  ReachabilityInfo reachabilityInfo();

  /** The relay reservations this node holds or is trying to hold (see config {@code reachability}). */
  List<RelayInfo> relays();

  /**
   * Connection and stream limits by scope with their use: system, transient (inbound connections
   * still upgrading), per address, per peer and per protocol; of the per-address and per-peer
   * scopes the {@code top} busiest are listed one by one.
   */
  List<LimitInfo> limits(int top);
}
