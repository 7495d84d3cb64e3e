package io.warren.nostr;

/**
 * What the relay accepts from one connection. Each is reported in the NIP-11 document's
 * {@code limitation} object (the last two under Warren's own names, as NIP-11 has none).
 *
 * @param maxMessageLength largest WebSocket message in bytes; a larger one closes the connection
 * @param maxSubscriptions open subscriptions per connection
 * @param maxFilters filters in one REQ
 * @param maxLimit a filter's limit is clamped to this
 * @param defaultLimit the limit of a filter that gives none
 * @param maxSubidLength longest subscription id
 * @param maxEventTags most tags in one event
 * @param eventsPerSecond EVENTs per second per connection (also the burst allowance)
 * @param reqsPerSecond REQs per second per connection (also the burst allowance)
 * @param authRequired whether NIP-42 AUTH must come before EVENT and REQ
 * @param createdAtUpperLimit how many seconds in the future created_at may be
 */
public record RelayLimits(int maxMessageLength, int maxSubscriptions, int maxFilters, int maxLimit,
    int defaultLimit, int maxSubidLength, int maxEventTags, int eventsPerSecond, int reqsPerSecond,
    boolean authRequired, long createdAtUpperLimit) {}
