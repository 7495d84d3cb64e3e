package io.warren.nostr.internal;

import io.warren.nostr.internal.tunnel.TunnelWire;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A service this device offers through its relays, from configuration:
 * {@code name=tcp://host:port[;public=true|false][;description=text]} (or {@code http://} for a
 * web service reachable through the relay's HTTP gateway). Services are private unless
 * {@code public=true}.
 */
public record DeviceService(String name, String protocol, String host, int port, boolean isPublic, String description) {

  public DeviceService {
    if (!TunnelWire.validServiceName(name)) {
      throw new IllegalArgumentException("services: invalid service name '" + TunnelWire.printable(name)
          + "' (a-z, 0-9, - and _, at most 32, starting with a letter or digit)");
    }
  }

  /** Parses one {@code services} entry; throws saying what is wrong. */
  public static DeviceService parse(String entry) {
    String[] parts = entry.trim().split(";");
    int eq = parts[0].indexOf('=');
    if (eq < 1) {
      throw new IllegalArgumentException(
          "services: expected name=tcp://host:port[;public=true][;description=...], got '"
              + TunnelWire.printable(entry) + "'");
    }
    String name = parts[0].substring(0, eq).trim();
    String target = parts[0].substring(eq + 1).trim();
    URI u;
    try {
      u = new URI(target);
    } catch (Exception e) {
      throw new IllegalArgumentException("services: " + name + ": not a URL: " + target, e);
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("tcp") && !scheme.equals("http")) {
      throw new IllegalArgumentException(
          "services: " + name + ": expected tcp://host:port or http://host:port, got " + target);
    }
    int port = u.getPort() > 0 ? u.getPort() : scheme.equals("http") ? 80 : -1;
    if (u.getHost() == null || port < 1) {
      throw new IllegalArgumentException("services: " + name + ": " + target + " needs a host and a port");
    }
    boolean isPublic = false;
    String description = "";
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      int e = parts[i].indexOf('=');
      if (e < 1) {
        throw new IllegalArgumentException("services: " + name + ": expected key=value, got '" + parts[i] + "'");
      }
      opts.put(parts[i].substring(0, e).trim(), parts[i].substring(e + 1).trim());
    }
    for (Map.Entry<String, String> o : opts.entrySet()) {
      switch (o.getKey()) {
        case "public" -> {
          if (!o.getValue().equals("true") && !o.getValue().equals("false")) {
            throw new IllegalArgumentException("services: " + name + ": public must be true or false");
          }
          isPublic = o.getValue().equals("true");
        }
        case "description" -> description = o.getValue();
        default -> throw new IllegalArgumentException("services: " + name + ": unknown option '" + o.getKey()
            + "' (expected public, description)");
      }
    }
    return new DeviceService(name, scheme, u.getHost(), port, isPublic, description);
  }
}
