package io.warren.voip;

import java.util.List;

/**
 * Calls between members of a network: offered with codecs, ringing at the callee until it answers
 * (choosing the codec) or refuses, or until the ring timeout; the media goes over the overlay
 * between the two nodes (a local UDP port pair at each) or through a relay node's UDP ports.
 */
public interface VoipCalls {

  /**
   * Calls {@code peer} (a node name or peer ID), offering {@code codecs} in order of preference.
   * Without {@code relay} this node binds a UDP port pair for this side's endpoint and the media
   * goes over the overlay; with {@code relay} (a node of the network, or this node's own name) that
   * node's media relay carries it. Returns once the callee rings.
   *
   * @param endpoint this side's RTP endpoint {@code ip:port} if known (then no other sender is
   *     taken), or null to latch onto the first sender (overlay media only)
   * @throws IllegalArgumentException saying why when the peer is unknown or the callee refused
   */
  default Call call(String peer, String relay, List<String> codecs, String endpoint) {
    return call(peer, relay, codecs, endpoint, null);
  }

  /**
   * Calls {@code peer} as above, or, with {@code via} (a node of the network), the Nostr device
   * {@code peer} connected to that node's relay: {@code via} rings it and bridges its media into the
   * call (over the overlay only). {@code peer} is then a device as {@code via} names it (an npub, a
   * hex key, its name there).
   *
   * @throws IllegalArgumentException saying why, {@code via}'s refusal (an unknown device) included
   */
  Call call(String peer, String relay, List<String> codecs, String endpoint, String via);

  /**
   * Answers a ringing call with {@code codec} (null: the first offered one this node accepts).
   *
   * @throws IllegalArgumentException when there is no such ringing call or no common codec
   */
  Call answer(String id, String codec, String endpoint);

  /** Refuses a ringing call; the caller is told {@code reason}. */
  Call refuse(String id, String reason);

  /** This node's calls (the last few ended ones too) and the sessions its relay carries, with counters. */
  List<Call> calls();

  /** Ends a call (by its id or a unique prefix): the other side is told and the media ports close. */
  Call hangup(String id);
}
