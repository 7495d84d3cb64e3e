package io.warren.nostr.internal;

import io.warren.nostr.RelayLimits;
import java.net.URI;

/**
 * The relay's validated configuration, built from {@link NostrRelay.Config} (whose annotation
 * holds every default) by {@link NostrRelay#settings}.
 *
 * @param enabled whether the relay listens
 * @param host address to bind (loopback unless configured otherwise)
 * @param port TCP port; 0 picks a free one
 * @param name NIP-11 name
 * @param description NIP-11 description
 * @param contact NIP-11 contact (empty: none)
 * @param publicUrl the URL clients use when it differs from the listening address (empty: none);
 *     AUTH events naming it are accepted
 * @param authWindowSeconds how far an AUTH event's created_at may be from now
 * @param limits what one connection may do
 * @param maxOutputBytes unread output one connection may have (queued messages plus what its REQs
 *     still owe) while it does not read; past it the client gets a NOTICE and is closed
 * @param quota how much the store holds, per author and in total
 */
public record RelaySettings(boolean enabled, String host, int port, String name, String description,
    String contact, String publicUrl, int authWindowSeconds, RelayLimits limits, long maxOutputBytes,
    EventStore.Quota quota) {

  /** The framework property that enables the relay on a port (the launcher's --relay-port). */
  public static final String PORT_PROPERTY = "warren.relay.port";

  public RelaySettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("io.warren.nostr.relay: host must not be empty");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(
          "io.warren.nostr.relay: port must be 0-65535 (0 picks a free port), got " + port);
    }
    if (!publicUrl.isEmpty()) {
      URI u;
      try {
        u = new URI(publicUrl);
      } catch (Exception e) {
        throw new IllegalArgumentException("io.warren.nostr.relay: public.url is not a URL: " + publicUrl, e);
      }
      if (!"ws".equals(u.getScheme()) && !"wss".equals(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException(
            "io.warren.nostr.relay: public.url must be ws://host[:port] or wss://..., got " + publicUrl);
      }
    }
    range("auth.window.seconds", authWindowSeconds, 1, 86_400);
    range("max.message.length", limits.maxMessageLength(), 1024, 64 << 20);
    range("max.subscriptions", limits.maxSubscriptions(), 1, 10_000);
    range("max.filters", limits.maxFilters(), 1, 1_000);
    range("max.limit", limits.maxLimit(), 1, 1_000_000);
    range("default.limit", limits.defaultLimit(), 0, limits.maxLimit());
    range("max.subid.length", limits.maxSubidLength(), 1, 1024);
    range("max.event.tags", limits.maxEventTags(), 0, 1_000_000);
    range("events.per.second", limits.eventsPerSecond(), 1, 10_000_000);
    range("reqs.per.second", limits.reqsPerSecond(), 1, 10_000_000);
    range("max.output.bytes", maxOutputBytes, 64 * 1024, 1L << 32);
    if (limits.createdAtUpperLimit() < 0) {
      throw new IllegalArgumentException("io.warren.nostr.relay: created.at.upper.limit must not be negative");
    }
  }

  private static void range(String name, long v, long min, long max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(
          "io.warren.nostr.relay: " + name + " must be " + min + "-" + max + ", got " + v);
    }
  }

  public RelaySettings withLimits(RelayLimits l) {
    return new RelaySettings(enabled, host, port, name, description, contact, publicUrl, authWindowSeconds, l,
        maxOutputBytes, quota);
  }

  public RelaySettings withOutput(long maxOutput) {
    return new RelaySettings(enabled, host, port, name, description, contact, publicUrl, authWindowSeconds, limits,
        maxOutput, quota);
  }
}
