package io.warren.federation.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which of the addresses in a member's record this node dials. On a network that is not local a
 * peer cannot own a loopback, link-local or unspecified address (nor the name {@code localhost}):
 * such an address would make this node dial itself or its own LAN segment on the peer's word, so it
 * is dropped. A local network (every node on one machine or one link, as in tests) keeps them.
 */
final class AddressPolicy {
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private AddressPolicy() {}

  /** The addresses of {@code all} this node may dial. */
  static List<String> usable(List<String> all, boolean localNetwork) {
    return localNetwork ? all : all.stream().filter(AddressPolicy::ownable).toList();
  }

  /** Whether a peer on a public network can own every host part of this multiaddr. */
  static boolean ownable(String multiaddr) {
    String[] parts = multiaddr.split("/");
    for (int i = 1; i + 1 < parts.length; i++) {
      String proto = parts[i];
      String value = parts[i + 1];
      switch (proto) {
        case "ip4", "ip6" -> {
          if (!ownableIp(value)) {
            return false;
          }
          i++;
        }
        case "dns", "dns4", "dns6", "dnsaddr" -> {
          String host = value.toLowerCase(Locale.ROOT);
          if (host.equals("localhost") || host.endsWith(".localhost")) {
            return false;
          }
          i++;
        }
        default -> {
          // other components (tcp/4001, p2p/<id>, p2p-circuit) carry no host
        }
      }
    }
    return true;
  }

  private static boolean ownableIp(String literal) {
    if (!IP_LITERAL.matcher(literal).matches()) {
      return false;
    }
    try {
      InetAddress a = InetAddress.getByName(literal); // a literal: no lookup
      return !(a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress());
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Whether every one of this node's listen addresses is loopback (so its network can only be local). */
  static boolean onlyLoopback(List<String> listenAddresses) {
    return !listenAddresses.isEmpty() && listenAddresses.stream().allMatch(a -> a.startsWith("/ip4/127.")
        || a.startsWith("/ip6/::1/"));
  }
}
