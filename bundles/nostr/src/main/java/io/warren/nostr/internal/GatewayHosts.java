package io.warren.nostr.internal;

import io.warren.nostr.internal.tunnel.TunnelWire;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Per-device host names for the gateway (configuration {@code gateway.domain}): a browser keeps
 * cookies, storage and scripts apart by origin, so each device's pages get their own host,
 * {@code <npub>.<domain>}, and no device's page can script another's.
 *
 * <p>The label is the device's npub: it is the key itself (so unique and stable, unlike a
 * callsign, which is 60 bits of the key and could be ground to collide), DNS-safe (a-z, 0-9) and
 * always 63 characters, the longest a DNS label may be. Which device a host names is decided from
 * the key in the label and only by it; the gateway then reaches the device registered, after
 * NIP-42, as that key.
 *
 * <p>Routing by Host: a host under the domain is a device's host (everything on it is the
 * device's); a host under the domain that is not {@code <npub>.<domain>} is misdirected (421); any
 * other host (the domain itself, the relay's address) is the relay's own origin.
 */
final class GatewayHosts {
  /** Longest DNS label. */
  static final int MAX_LABEL = 63;
  /** Longest domain name that still leaves room for a device label and its dot (253 in all). */
  static final int MAX_DOMAIN = 253 - MAX_LABEL - 1;

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  /** Where a request goes, by its Host. */
  sealed interface Route {}

  /** The relay's own origin: NIP-11, the WebSocket, {@code /api} and {@code /tunnel/...}. */
  record Relay() implements Route {}

  /** A device's host: {@code hex} is the device's key, {@code host} its host name (without port). */
  record Device(String hex, String host) implements Route {}

  /** A host under the domain that names no device. */
  record Misdirected(String message) implements Route {}

  private GatewayHosts() {}

  /**
   * The configured base domain, lower case without a trailing dot; empty for none.
   *
   * @throws IllegalArgumentException naming what is wrong (not a DNS name, an IP address, too long)
   */
  static String domain(String configured) {
    String d = configured == null ? "" : configured.trim().toLowerCase(Locale.ROOT);
    if (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    if (d.isEmpty()) {
      return "";
    }
    String bad = "io.warren.nostr.relay: gateway.domain must be a DNS name such as gw.example.org";
    if (d.length() > MAX_DOMAIN) {
      throw new IllegalArgumentException(bad + " of at most " + MAX_DOMAIN
          + " characters (a device's 63-character label goes in front of it), got " + d.length());
    }
    String[] labels = d.split("\\.", -1);
    for (String l : labels) {
      if (!LABEL.matcher(l).matches()) {
        throw new IllegalArgumentException(bad + " (labels of a-z, 0-9 and inner -), got '"
            + TunnelWire.printable(configured) + "'");
      }
    }
    if (DIGITS.matcher(labels[labels.length - 1]).matches()) {
      throw new IllegalArgumentException(bad + ", not an IP address, got '" + TunnelWire.printable(configured) + "'");
    }
    return d;
  }

  /** A device's label: its npub. */
  static String label(String hex) {
    return TunnelWire.npub(hex);
  }

  /** A device's host name under {@code domain}. */
  static String host(String hex, String domain) {
    return label(hex) + "." + domain;
  }

  /** The host name of a Host header: lower case, without port and trailing dot; empty when there is none. */
  static String hostName(String hostHeader) {
    if (hostHeader == null) {
      return "";
    }
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(0, end + 1);
    }
    int colon = h.indexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** The port of a Host header with its colon ({@code ":8080"}), or empty. */
  static String port(String hostHeader) {
    if (hostHeader == null) {
      return "";
    }
    String h = hostHeader.trim();
    int colon = h.lastIndexOf(':');
    if (colon < 0 || colon < h.lastIndexOf(']')) {
      return "";
    }
    String p = h.substring(colon + 1);
    return DIGITS.matcher(p).matches() && p.length() <= 5 ? ":" + p : "";
  }

  /** Where a request with {@code hostHeader} goes, with the base {@code domain} (empty: always the relay). */
  static Route route(String domain, String hostHeader) {
    if (domain.isEmpty()) {
      return new Relay();
    }
    String host = hostName(hostHeader);
    if (!host.endsWith("." + domain)) {
      return new Relay();
    }
    String label = host.substring(0, host.length() - domain.length() - 1);
    String hint = "a device's gateway is at <npub>." + domain;
    if (label.contains(".")) {
      return new Misdirected("no device at " + TunnelWire.printable(host) + ": " + hint);
    }
    if (label.length() == MAX_LABEL && label.startsWith("npub1")) {
      try {
        String hex = TunnelWire.parseKey(label);
        return new Device(hex, host);
      } catch (IllegalArgumentException e) {
        return new Misdirected("no device at " + TunnelWire.printable(host) + ": " + e.getMessage());
      }
    }
    return new Misdirected("no device at " + TunnelWire.printable(host) + ": " + hint
        + " (a callsign or hex key is not a host name)");
  }
}
