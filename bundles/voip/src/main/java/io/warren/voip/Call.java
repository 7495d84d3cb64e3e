package io.warren.voip;

import io.warren.api.PeerRef;
import java.util.Optional;

/**
 * A call as this node sees it.
 *
 * @param id the call's id, the same on both sides and at the relay
 * @param role {@code caller}, {@code callee} or {@code relay} (a session this node relays for others)
 * @param peer the other side (for a relay session: the caller)
 * @param state {@code ringing}, {@code active}; once over {@code hungup}, {@code refused},
 *     {@code timeout} or {@code cancelled}; for a call through a relay node also {@code relay-closed}
 *     or {@code relay-unknown} when the relay no longer holds it
 * @param codec the codec the callee chose, or {@code -} while ringing
 * @param path how the media goes: {@code direct} or {@code relayed} (over the overlay), {@code -}
 *     while no media stream is open, or {@code relay} (through a relay node's UDP ports)
 * @param media where this side's RTP endpoint sends its RTP (RTCP goes to the next port), or
 *     {@code -} before the callee answered; for a relay session, the two legs' ports
 * @param sent this node's counters for what this side's endpoint sent (overlay media)
 * @param received this node's counters for what reached this side from the other (overlay media)
 * @param mine the relay's counters for this side's leg (what this side's endpoint sent), if known
 * @param theirs the relay's counters for the other leg (what reached this side), if known
 * @param device the Nostr device at the far end of a call with a node: the one this node bridges
 *     the call's media to, or the one the caller asked the other node to ring; empty otherwise
 */
public record Call(String id, String role, PeerRef peer, String state, String codec, String path, String media,
    Optional<MediaStats> sent, Optional<MediaStats> received, Optional<RelayStats> mine,
    Optional<RelayStats> theirs, Optional<PeerRef> device) {

  /** A call without a device at its far end. */
  public Call(String id, String role, PeerRef peer, String state, String codec, String path, String media,
      Optional<MediaStats> sent, Optional<MediaStats> received, Optional<RelayStats> mine,
      Optional<RelayStats> theirs) {
    this(id, role, peer, state, codec, path, media, sent, received, mine, theirs, Optional.empty());
  }

  /** The same call in another state (an ended call keeps its last counters). */
  public Call withState(String newState) {
    return new Call(id, role, peer, newState, codec, path, media, sent, received, mine, theirs, device);
  }

  /** The same call with {@code d} at its far end. */
  public Call withDevice(PeerRef d) {
    return new Call(id, role, peer, state, codec, path, media, sent, received, mine, theirs, Optional.ofNullable(d));
  }
}
