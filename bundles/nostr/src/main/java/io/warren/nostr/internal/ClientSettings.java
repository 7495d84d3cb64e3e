package io.warren.nostr.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This node's validated configuration as a device ({@link DeviceClient.Config}, whose annotation
 * holds every default).
 *
 * @param relays the relays to connect to (none: this node is no device)
 * @param services the services offered, by name
 * @param allow keys that may open private services and protocols
 * @param block keys refused everything
 * @param keepaliveSeconds idle seconds before a WebSocket ping
 * @param reconnectMaxSeconds longest wait between reconnection attempts
 * @param maxTunnels tunnels a relay may open to this device at once
 */
record ClientSettings(List<URI> relays, Map<String, DeviceService> services, Set<String> allow, Set<String> block,
    int keepaliveSeconds, int reconnectMaxSeconds, int maxTunnels) {

  ClientSettings {
    relays = List.copyOf(relays);
    services = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(services));
    allow = Set.copyOf(allow);
    block = Set.copyOf(block);
    if (keepaliveSeconds < 1 || keepaliveSeconds > 120) {
      throw new IllegalArgumentException("keepalive.seconds must be 1-120 (relays close devices silent for 180 s), got "
          + keepaliveSeconds);
    }
    if (reconnectMaxSeconds < 1 || maxTunnels < 1) {
      throw new IllegalArgumentException("reconnect.max.seconds and max.tunnels must be at least 1");
    }
  }

  /** Validates {@code c}; throws saying which value is wrong. */
  static ClientSettings of(DeviceClient.Config c) {
    Map<String, DeviceService> services = new LinkedHashMap<>();
    for (String entry : c.services()) {
      for (String s : entry.split(",")) {
        if (s.isBlank()) {
          continue;
        }
        DeviceService d = DeviceService.parse(s);
        if (services.put(d.name(), d) != null) {
          throw new IllegalArgumentException("services: " + d.name() + " is configured twice");
        }
      }
    }
    List<URI> urls = new ArrayList<>();
    for (String r : c.relays()) {
      for (String part : r.split("[,\\s]+")) {
        if (part.isBlank()) {
          continue;
        }
        URI u;
        try {
          u = new URI(part.trim());
        } catch (Exception e) {
          throw new IllegalArgumentException("relays: not a URL: " + part, e);
        }
        if (!("ws".equals(u.getScheme()) || "wss".equals(u.getScheme())) || u.getHost() == null) {
          throw new IllegalArgumentException("relays: expected ws://host:port or wss://host, got " + part);
        }
        urls.add(u);
      }
    }
    return new ClientSettings(urls, services, DeviceSettings.keys("allow", c.allow()),
        DeviceSettings.keys("block", c.block()), c.keepalive_seconds(), c.reconnect_max_seconds(), c.max_tunnels());
  }
}
