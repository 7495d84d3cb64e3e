package io.warren.nostr.internal;

import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * NIP-98 HTTP authorization, as the gateway (the header of a request) and a device (the event the
 * relay passes on in a tunnel request's {@code auth} tag) check it.
 */
final class Nip98 {
  private Nip98() {}

  /**
   * Checks an {@code Authorization: Nostr <base64 event>} header for a request: kind 27235,
   * created_at within {@value TunnelWire#REQUEST_WINDOW_SECONDS} s, a method tag equal to the
   * request's, a u tag whose path and query are the request's, a valid signature.
   */
  static Event checkHeader(String header, String method, String uri, long now) {
    return checkHeader(header, method, null, uri, now);
  }

  /**
   * As {@link #checkHeader(String, String, String, long)}, and when {@code host} is given the u
   * tag must name that host too (a device's own gateway host, where the path does not name the
   * device: a token signed for one device's host opens nothing on another's).
   */
  static Event checkHeader(String header, String method, String host, String uri, long now) {
    if (!header.regionMatches(true, 0, "Nostr ", 0, 6)) {
      throw new NostrException("expected 'Nostr <base64 event>'");
    }
    String json;
    try {
      json = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new NostrException("not base64");
    }
    Event e = Event.parse(json);
    checkEvent(e, now);
    if (!method.equalsIgnoreCase(e.firstTagValue("method").orElse(""))) {
      throw new NostrException("the method tag does not match the request's method");
    }
    String u = e.firstTagValue("u").orElse("");
    if (!uri.equals(pathAndQuery(u))) {
      throw new NostrException("the u tag does not name this URL");
    }
    if (host != null && !host.equals(hostOf(u))) {
      throw new NostrException("the u tag does not name this host (" + host + ")");
    }
    return e;
  }

  /** Kind, time and signature of a NIP-98 event. */
  static void checkEvent(Event e, long now) {
    if (e.kind() != TunnelWire.HTTP_AUTH_KIND) {
      throw new NostrException("the event must be of kind " + TunnelWire.HTTP_AUTH_KIND);
    }
    if (Math.abs(now - e.createdAt()) > TunnelWire.REQUEST_WINDOW_SECONDS) {
      throw new NostrException("created_at is more than " + TunnelWire.REQUEST_WINDOW_SECONDS + " s from now");
    }
    e.verify();
  }

  /** The host of a URL, lower case, without trailing dot; empty when it has none. */
  static String hostOf(String url) {
    try {
      String h = new URI(url).getHost();
      return h == null ? "" : GatewayHosts.hostName(h);
    } catch (Exception x) {
      return "";
    }
  }

  static String pathAndQuery(String url) {
    try {
      URI u = new URI(url);
      String p = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
      return u.getRawQuery() == null ? p : p + "?" + u.getRawQuery();
    } catch (Exception x) {
      return "";
    }
  }

  /**
   * NIP-98 events already used (by signature): a token opens one request. It is remembered until it
   * could no longer pass the time check (twice the window after its use, in use order, so the
   * oldest expire first). At {@link #MAX_REMEMBERED} ids still valid, new tokens are refused until
   * some expire. Thread-safe.
   */
  static final class Replays {
    static final int MAX_REMEMBERED = 100_000;
    private final java.util.LinkedHashMap<String, Long> expiry = new java.util.LinkedHashMap<>();

    /**
     * Takes the token signed {@code id} (its signature) for one use at {@code now} (seconds).
     *
     * @return null, or why it is refused
     */
    synchronized String use(String id, long now) {
      var it = expiry.values().iterator();
      while (it.hasNext() && it.next() < now) {
        it.remove();
      }
      if (expiry.containsKey(id)) {
        return "this token was already used (NIP-98 tokens are single-use; sign a new one per request)";
      }
      if (expiry.size() >= MAX_REMEMBERED) {
        return "too many authorizations in the last " + 2 * TunnelWire.REQUEST_WINDOW_SECONDS + " s; try again later";
      }
      expiry.put(id, now + 2L * TunnelWire.REQUEST_WINDOW_SECONDS);
      return null;
    }
  }
}
