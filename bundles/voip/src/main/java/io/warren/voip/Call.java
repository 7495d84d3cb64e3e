package io.warren.voip;

import io.warren.api.PeerRef;
import java.util.Optional;

/**
 * A call as this node sees it.
 *
 * @param id the call's id, the same on both sides and at the relay
 * @param role {@code caller}, {@code callee} or {@code relay} (a session this node relays for others)
 * @param peer the other side (for a relay session: the caller)
 * @param media where this side's RTP endpoint sends its RTP (the relay's port; RTCP goes to the next
 *     port); for a relay session, the two legs' ports
 * @param mine the relay's counters for this side's leg (what this side's endpoint sent), if known
 * @param theirs the relay's counters for the other leg (what reached this side), if known
 * @param state {@code active}, or why the relay no longer knows the call
 */
public record Call(String id, String role, PeerRef peer, String media, Optional<RelayStats> mine,
    Optional<RelayStats> theirs, String state) {}
