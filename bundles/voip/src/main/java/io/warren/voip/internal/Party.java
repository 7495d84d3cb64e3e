package io.warren.voip.internal;

import io.warren.api.PeerRef;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A call this node is a party to. Its state moves ringing, then active, then out of the table; the
 * fields that change are volatile, and the moves are made under the service's lock on this object.
 */
final class Party {
  static final String RINGING = "ringing";
  static final String ACTIVE = "active";

  final String id;
  final String role;
  final PeerRef peer;
  final List<String> codecs;
  /** Relay mode: the relay node ({@code null}: this node's own relay); null too for overlay media. */
  final PeerRef relay;
  final boolean overlay;
  volatile String state = RINGING;
  volatile String codec = "-";
  /** Where this side's endpoint sends: the relay leg, or the overlay port pair once bound; "-" before. */
  volatile String media;
  volatile OverlayMedia om;
  volatile Future<?> timer;
  volatile Future<?> keepalive;
  /** The Nostr device at the far end: the one this node bridges the call to, or the one the callee's node rings. */
  volatile PeerRef device;
  /** Told when the call becomes active and when it ends (a device's leg bridged to it), or null. */
  volatile Watcher watcher;
  /** Keepalives unanswered in a row, and whether one is out now ({@link Keepalive}). */
  final AtomicInteger missed = new AtomicInteger();
  final AtomicBoolean pinging = new AtomicBoolean();

  Party(String id, String role, PeerRef peer, List<String> codecs, PeerRef relay, boolean overlay, String media) {
    this.id = id;
    this.role = role;
    this.peer = peer;
    this.codecs = codecs;
    this.relay = relay;
    this.overlay = overlay;
    this.media = media;
  }

  boolean caller() {
    return role.equals("caller");
  }

  /** Hears a call's moves; called on signalling workers, so it must not block for long. */
  interface Watcher {
    void active(Party p);

    void ended(Party p, String why);
  }
}
