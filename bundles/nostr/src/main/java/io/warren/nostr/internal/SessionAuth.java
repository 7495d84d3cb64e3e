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
 */
final class SessionAuth {
  static final int KIND = 22242;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Session session;
  private final RelayServer relay;
  private final String challenge;
  private String host = "";
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

  /** The Host header of the WebSocket upgrade: the name the client connected to. */
  void connectedAs(String hostHeader) {
    this.host = hostHeader == null ? "" : hostHeader;
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
   * Whether an AUTH event's relay URL names this relay: its host is the one the client connected
   * to (the upgrade's Host header), the configured public URL's, or the listening address
   * (NIP-42: checking the domain name is enough).
   */
  private boolean namesThisRelay(String url) {
    String h;
    try {
      URI u = new URI(url.trim());
      if (!"ws".equalsIgnoreCase(u.getScheme()) && !"wss".equalsIgnoreCase(u.getScheme())) {
        return false;
      }
      h = hostOf(u.getHost());
    } catch (Exception e) {
      return false;
    }
    if (h.isEmpty()) {
      return false;
    }
    return h.equals(hostOfUrl("ws://" + host)) || h.equals(hostOfUrl(relay.url()))
        || h.equals(hostOfUrl(relay.settings().publicUrl()));
  }

  private static String hostOfUrl(String url) {
    try {
      return hostOf(new URI(url).getHost());
    } catch (Exception e) {
      return "";
    }
  }

  private static String hostOf(String host) {
    if (host == null) {
      return "";
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }
}
