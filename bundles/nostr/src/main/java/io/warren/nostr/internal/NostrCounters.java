package io.warren.nostr.internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The relay's event counters for {@code /metrics}: EVENTs accepted, rejected by the machine-readable
 * prefix of their OK message (NIP-01: {@code invalid}, {@code rate-limited} ...), and events sent
 * to subscribers.
 */
final class NostrCounters {
  /** NIP-01's prefixes; any other is counted as {@code other}, so the label set stays bounded. */
  static final List<String> REASONS =
      List.of("auth-required", "blocked", "duplicate", "error", "invalid", "pow", "rate-limited", "restricted",
          "other");
  private final LongAdder accepted = new LongAdder();
  private final LongAdder served = new LongAdder();
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();

  NostrCounters() {
    REASONS.forEach(r -> rejected.put(r, new LongAdder()));
  }

  /** One EVENT answered with OK {@code accepted}, {@code message}. */
  void answered(boolean accepted, String message) {
    if (accepted) {
      this.accepted.increment();
      return;
    }
    int colon = message == null ? -1 : message.indexOf(':');
    String prefix = colon > 0 ? message.substring(0, colon) : "other";
    rejected.getOrDefault(prefix, rejected.get("other")).increment();
  }

  /** One event sent to a subscriber. */
  void servedOne() {
    served.increment();
  }

  long accepted() {
    return accepted.sum();
  }

  long servedTotal() {
    return served.sum();
  }

  /** Rejections by reason, every reason listed. */
  Map<String, Long> rejected() {
    Map<String, Long> out = new TreeMap<>();
    rejected.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
