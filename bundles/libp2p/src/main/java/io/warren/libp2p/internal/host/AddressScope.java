package io.warren.libp2p.internal.host;

import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Which of this host's addresses a peer can use, judged by the address the peer is connected from
 * (for a relayed connection, the relay's): a peer on loopback is on this machine and may use every
 * address; any other peer is told no loopback address (it would dial its own machine) and no
 * link-local one (it means nothing without the interface). ULA and RFC 1918 addresses stay: peers
 * on the same private network, or a lab of namespaces, use them.
 */
public final class AddressScope {
  private AddressScope() {}

  /** {@code addrs} without those the peer connected from {@code remote} cannot use. */
  public static List<Multiaddr> usableFrom(List<Multiaddr> addrs, Multiaddr remote) {
    return usable(addrs, isLoopback(remote));
  }

  /** {@code addrs} as a peer on this machine ({@code peerOnLoopback}) or elsewhere can use them. */
  public static List<Multiaddr> usable(List<Multiaddr> addrs, boolean peerOnLoopback) {
    return peerOnLoopback ? addrs : addrs.stream().filter(a -> !isLoopback(a) && !isLinkLocal(a)).toList();
  }

  /** Whether {@code m} starts with a loopback IP ({@code 127.0.0.0/8}, {@code ::1}). */
  public static boolean isLoopback(Multiaddr m) {
    InetAddress ip = ip(m);
    return ip != null && ip.isLoopbackAddress();
  }

  /** Whether {@code m} starts with a link-local IP ({@code 169.254.0.0/16}, {@code fe80::/10}). */
  public static boolean isLinkLocal(Multiaddr m) {
    InetAddress ip = ip(m);
    return ip != null && ip.isLinkLocalAddress();
  }

  private static InetAddress ip(Multiaddr m) {
    List<Multiaddr.Component> c = m.components();
    if (c.isEmpty() || (c.get(0).protocol() != Protocol.IP4 && c.get(0).protocol() != Protocol.IP6)) {
      return null;
    }
    try {
      return InetAddress.getByAddress(c.get(0).value());
    } catch (UnknownHostException e) {
      return null; // not 4 or 16 bytes: Multiaddr refuses those already
    }
  }
}
