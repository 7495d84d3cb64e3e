package io.warren.api;

import java.util.Map;

/**
 * Attributes a service puts into this node's signed peer record, registered as a whiteboard
 * service: the federation collects every registered one, signs them into the node's record with its
 * node key and passes the record on, so any member can read them ({@link PeerAttributes}) without
 * trusting whoever relayed them. The SSH bundle publishes its host key's fingerprint this way.
 *
 * <p>Keys are lowercase ASCII, {@code [a-z0-9._-]}, 1-{@value #MAX_KEY} characters, starting with the
 * service's own prefix ({@code ssh.}); values are at most {@value #MAX_VALUE} bytes of UTF-8. A
 * record carries at most {@value #MAX_ATTRIBUTES} attributes in all; what does not fit is left out
 * and logged. The map is read again on every round of the peer-table sync, so a change is signed
 * and passed on within about a second.
 */
public interface RecordAttributes {
  int MAX_ATTRIBUTES = 16;
  int MAX_KEY = 64;
  int MAX_VALUE = 1024;

  /** The attributes this service contributes now (may be empty). */
  Map<String, String> attributes();

  /**
   * Whether these attributes are for the members of this node's network only: they go into its
   * signed peer record, which only members sync, and not into a Nostr device's announcement, which
   * relays store and serve to their clients. False by default.
   *
   * @since 1.7
   */
  default boolean membersOnly() {
    return false;
  }

  /**
   * Every source's attributes, sorted by key, as a transport signs them: a key two sources give keeps
   * the first one's value; a source that fails is left out and handed to {@code failed} (to log).
   */
  static java.util.Map<String, String> merge(Iterable<? extends RecordAttributes> sources,
      java.util.function.BiConsumer<RecordAttributes, RuntimeException> failed) {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    for (RecordAttributes source : sources) {
      try {
        source.attributes().forEach(out::putIfAbsent);
      } catch (RuntimeException e) {
        failed.accept(source, e);
      }
    }
    return out;
  }

  /** Whether {@code key} is a well-formed attribute key. */
  static boolean validKey(String key) {
    return key != null && !key.isEmpty() && key.length() <= MAX_KEY && key.chars()
        .allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-');
  }
}
