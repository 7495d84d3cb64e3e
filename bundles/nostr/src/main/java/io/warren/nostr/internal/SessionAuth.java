package io.warren.nostr.internal;

import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One connection's NIP-42 state: the challenge sent at connect, and the key that answered it. An
 * AUTH event counts when it is of kind {@value #KIND}, recent, carries this connection's challenge,
 * names this relay (see {@link #namesThisRelay}) and is signed. Runs on the connection's event loop.
 *
 * <p>The relay tag is checked against the relay's own URL (its {@code public.url}, or the
 * listening {@code ws://} URL when none is set), never against what the client says it connected
 * to (its Host header): a malicious relay that relays a victim's AUTH for itself could otherwise
 * pass it on here by sending our host name.
 */
final class SessionAuth {
  static final int KIND = 22242;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Session session;
  private final RelayServer relay;
  private final String challenge;
  private String authenticated;

  SessionAuth(Session session, RelayServer relay) {
    this.session = session;
    this.relay = relay;
    byte[] c = new byte[16];
    RANDOM.nextBytes(c);
    this.challenge = HexFormat.of().formatHex(c);
  }

  String challenge() {
    return challenge;
  }

  /** The key this connection authenticated as, or null. */
  String key() {
    return authenticated;
  }

  /** An AUTH message: answers OK true and remembers the key, or OK false saying why. */
  void onAuth(List<?> m) {
    if (m.size() != 2 || !(m.get(1) instanceof Map<?, ?> map) || !(map.get("id") instanceof String claimedId)) {
      session.malformed("invalid: AUTH takes one signed event");
      return;
    }
    Event event;
    int window = relay.settings().authWindowSeconds();
    try {
      event = Event.fromJson(map);
      if (event.kind() != KIND) {
        throw new NostrException("an AUTH event must be of kind " + KIND);
      }
      long now = System.currentTimeMillis() / 1000;
      if (Math.abs(now - event.createdAt()) > window) {
        throw new NostrException("created_at is more than " + window + " s from now");
      }
      if (!event.firstTagValue("challenge").map(challenge::equals).orElse(false)) {
        throw new NostrException("the challenge tag does not hold this connection's challenge");
      }
      String relayTag = event.firstTagValue("relay").orElseThrow(() -> new NostrException("no relay tag"));
      if (!namesThisRelay(relayTag)) {
        throw new NostrException("the relay tag " + relayTag + " does not name this relay");
      }
      event.verify();
    } catch (NostrException e) {
      session.send(Messages.ok(claimedId, false, "invalid: " + e.getMessage()));
      return;
    }
    authenticated = event.pubkey();
    session.send(Messages.ok(event.id(), true, ""));
  }

  /**
   * Whether an AUTH event's relay URL names this relay: scheme (ws or wss), host and port (the
   * scheme's default when none is given) equal those of the configured {@code public.url}, or of
   * the listening URL when no public URL is set. A path is ignored.
   */
  private boolean namesThisRelay(String url) {
    String own = relay.settings().publicUrl().isEmpty() ? relay.url() : relay.settings().publicUrl();
    String claimed = origin(url.trim());
    return claimed != null && claimed.equals(origin(own));
  }

  /** {@code scheme://host:port} of a ws or wss URL, lower case, or null. */
  static String origin(String url) {
    try {
      URI u = new URI(url);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("ws") && !scheme.equals("wss") || u.getHost() == null || u.getHost().isEmpty()) {
        return null;
      }
      int port = u.getPort() > 0 ? u.getPort() : scheme.equals("wss") ? 443 : 80;
      String h = u.getHost().toLowerCase(Locale.ROOT);
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      return scheme + "://" + h + ":" + port;
    } catch (Exception e) {
      return null;
    }
  }
}
