package io.warren.api;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * This node's own Nostr relay as other bundles use it: publish an event signed with the node's
 * Nostr key ({@link NodeIdentity#signNostr}), and hear the events the relay accepts, so a service
 * can speak to Nostr devices without a WebSocket of its own. The IoT bridge carries MQTT messages
 * this way.
 *
 * <p>Registered by the nostr bundle whether or not the relay runs; while it does not,
 * {@link #publish} throws and subscriptions hear nothing.
 *
 * @since 1.8
 */
public interface LocalRelay {

  /**
   * An event the relay accepted: its id and signature were verified (or it is this node's own).
   *
   * @param pubkey lowercase hex of the author's x-only public key
   * @param npub the same key as NIP-19 {@code npub1...}
   */
  record Event(String id, String pubkey, String npub, long createdAt, int kind, List<List<String>> tags,
      String content) {
    public Event {
      tags = tags.stream().map(List::copyOf).toList();
    }

    /** The second element of the first tag named {@code name}, or null. */
    public String tag(String name) {
      for (List<String> t : tags) {
        if (t.size() >= 2 && t.get(0).equals(name)) {
          return t.get(1);
        }
      }
      return null;
    }
  }

  /** Whether the relay is listening (else {@link #publish} throws). */
  boolean running();

  /** This node's Nostr public key, lowercase hex: the author of what {@link #publish} sends. */
  String pubkey();

  /**
   * Signs an event with this node's Nostr key, dated now, and hands it to the relay as if a client
   * had sent it: stored unless ephemeral, delivered to every matching subscription.
   *
   * @return the event as published
   * @throws IllegalStateException when the relay does not run
   * @throws IllegalArgumentException when the event is not valid NIP-01 (a bad kind, tags or content)
   */
  Event publish(int kind, List<List<String>> tags, String content);

  /**
   * Calls {@code consumer} with every event of one of {@code kinds} the relay accepts from now on,
   * from any client and from {@link #publish}, on a relay thread: it must not block. Closing the
   * returned handle stops it.
   */
  AutoCloseable subscribe(Set<Integer> kinds, Consumer<Event> consumer);

  /**
   * Whether {@code pubkey} (hex) is named in the relay's device allow list and not blocked. An empty
   * allow list lets any key register as a device, but allows no key here: services that act on a
   * device's events (not just tunnel to it) need the operator to have named the device.
   */
  boolean namedDevice(String pubkey);
}
