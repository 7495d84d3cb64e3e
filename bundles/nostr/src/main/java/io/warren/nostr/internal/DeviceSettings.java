package io.warren.nostr.internal;

import io.warren.nostr.internal.tunnel.TunnelWire;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The relay's rules for devices, validated from {@link NostrRelay.Config} (whose annotation holds
 * every default) by {@link NostrRelay#deviceSettings}.
 *
 * @param maxDevices devices registered at once; one more is refused
 * @param maxTunnelsPerDevice tunnels open to or from one device at once
 * @param bandwidth bytes per second through one device's tunnels, each way summed (0: no limit)
 * @param allow keys that may register as devices and open tunnels (empty: any key)
 * @param block keys that may never register or open tunnels
 * @param gateway whether the HTTP gateway (/tunnel/...) is served
 * @param gatewayKeys keys of devices whose tunnel requests may carry the {@code gateway} and
 *     {@code auth} tags (speak for another key, as this relay's own gateway does); empty: none
 * @param gatewayDomain the base domain under which each device's gateway has its own host
 *     ({@code <npub>.<domain>}, see {@link GatewayHosts}); empty: devices share the relay's origin
 *     under {@code /tunnel/<device>/}
 */
public record DeviceSettings(int maxDevices, int maxTunnelsPerDevice, long bandwidth, Set<String> allow,
    Set<String> block, boolean gateway, Set<String> gatewayKeys, String gatewayDomain) {

  public DeviceSettings {
    if (maxDevices < 0 || maxTunnelsPerDevice < 0 || bandwidth < 0) {
      throw new IllegalArgumentException("io.warren.nostr.relay: device limits must not be negative");
    }
    allow = Set.copyOf(allow);
    block = Set.copyOf(block);
    gatewayKeys = Set.copyOf(gatewayKeys);
    gatewayDomain = GatewayHosts.domain(gatewayDomain);
  }

  public DeviceSettings(int maxDevices, int maxTunnelsPerDevice, long bandwidth, Set<String> allow, Set<String> block,
      boolean gateway) {
    this(maxDevices, maxTunnelsPerDevice, bandwidth, allow, block, gateway, Set.of(), "");
  }

  /** Parses keys (hex or npub) of an allow or block list; throws naming the bad entry. */
  public static Set<String> keys(String name, String[] values) {
    Set<String> out = new LinkedHashSet<>();
    for (String v : values == null ? new String[0] : values) {
      for (String part : v.split("[,\\s]+")) {
        if (part.isBlank()) {
          continue;
        }
        try {
          out.add(TunnelWire.parseKey(part));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  /** Why {@code hex} may not use the relay's device layer, or null. */
  public String refusal(String hex) {
    if (block.contains(hex)) {
      return "blocked: this key is blocked on this relay";
    }
    if (!allow.isEmpty() && !allow.contains(hex)) {
      return "restricted: this key is not in the relay's device allow list";
    }
    return null;
  }
}
