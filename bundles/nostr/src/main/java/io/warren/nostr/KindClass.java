package io.warren.nostr;

/** How a relay keeps an event of a given kind (NIP-01 "Kinds"). */
public enum KindClass {
  /** Stored, every one of them. */
  REGULAR,
  /** Only the latest per pubkey and kind is kept (kinds 0, 3 and 10000-19999). */
  REPLACEABLE,
  /** Never stored, only sent to live subscriptions (kinds 20000-29999). */
  EPHEMERAL,
  /** Only the latest per pubkey, kind and {@code d} tag value is kept (kinds 30000-39999). */
  ADDRESSABLE;

  /**
   * The class of {@code kind}. Kinds NIP-01 leaves unassigned (45-999, 40000-65535) are treated
   * as regular: stored like any other event.
   */
  public static KindClass of(int kind) {
    if (kind == 0 || kind == 3 || (kind >= 10_000 && kind < 20_000)) {
      return REPLACEABLE;
    }
    if (kind >= 20_000 && kind < 30_000) {
      return EPHEMERAL;
    }
    if (kind >= 30_000 && kind < 40_000) {
      return ADDRESSABLE;
    }
    return REGULAR;
  }
}
