package io.warren.libp2p.internal.host;

import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Multiaddrs as the host uses them: what it can dial (TCP, QUIC), socket addresses both ways, circuits. */
final class TcpAddresses {
  private static final Logger LOG = LoggerFactory.getLogger(TcpAddresses.class);

  private TcpAddresses() {}

  /** {@code /ip4|ip6|dns*\/<host>/tcp/<port>}, optionally with {@code /p2p/<id>}. */
  static boolean dialable(Multiaddr m) {
    List<Multiaddr.Component> c = m.withoutPeerId().components();
    if (c.size() != 2 || c.get(1).protocol() != Protocol.TCP) {
      return false;
    }
    Protocol p = c.get(0).protocol();
    return p == Protocol.IP4 || p == Protocol.IP6 || p == Protocol.DNS || p == Protocol.DNS4 || p == Protocol.DNS6;
  }

  /** {@code /ip4|ip6|dns*\/<host>/udp/<port>/quic-v1}, optionally with {@code /p2p/<id>}. */
  static boolean quic(Multiaddr m) {
    List<Multiaddr.Component> c = m.withoutPeerId().components();
    if (c.size() != 3 || c.get(1).protocol() != Protocol.UDP || c.get(2).protocol() != Protocol.QUIC_V1) {
      return false;
    }
    Protocol p = c.get(0).protocol();
    return p == Protocol.IP4 || p == Protocol.IP6 || p == Protocol.DNS || p == Protocol.DNS4 || p == Protocol.DNS6;
  }

  /** {@code /<ip>/tcp/<port>} as {@code /<ip>/udp/<port>/quic-v1}. */
  static Multiaddr quicOf(Multiaddr tcp) {
    List<Multiaddr.Component> c = tcp.components();
    return Multiaddr.fromString(c.get(0) + "/udp/" + c.get(1).valueText() + "/quic-v1");
  }

  /** The socket address of a dialable multiaddr (TCP or QUIC); a DNS name stays unresolved. */
  static InetSocketAddress socketAddress(Multiaddr m) {
    List<Multiaddr.Component> c = m.withoutPeerId().components();
    int port = Integer.parseInt(c.get(1).valueText());
    String host = c.get(0).valueText();
    return switch (c.get(0).protocol()) {
      case IP4, IP6 -> new InetSocketAddress(ipLiteral(c.get(0).value()), port);
      default -> InetSocketAddress.createUnresolved(host, port);
    };
  }

  private static InetAddress ipLiteral(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("bad IP address", e);
    }
  }

  static Multiaddr toMultiaddr(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    String proto = ip instanceof Inet6Address ? "ip6" : "ip4";
    String text = ip.getHostAddress();
    int zone = text.indexOf('%');
    if (zone >= 0) {
      text = text.substring(0, zone);
    }
    return Multiaddr.fromString("/" + proto + "/" + text + "/tcp/" + a.getPort());
  }

  /** A bound address as multiaddrs: a wildcard bind expanded to each interface's address. */
  static List<Multiaddr> expand(InetSocketAddress local) {
    if (!local.getAddress().isAnyLocalAddress()) {
      return List.of(toMultiaddr(local));
    }
    List<Multiaddr> out = new ArrayList<>();
    boolean v6 = local.getAddress() instanceof Inet6Address;
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp()) {
          continue;
        }
        for (InetAddress ip : Collections.list(ni.getInetAddresses())) {
          if ((ip instanceof Inet6Address) == v6 && !ip.isLinkLocalAddress()) {
            out.add(toMultiaddr(new InetSocketAddress(ip, local.getPort())));
          }
        }
      }
    } catch (SocketException e) {
      LOG.debug("libp2p: cannot list network interfaces: {}", e.toString());
    }
    return out.isEmpty() ? List.of(toMultiaddr(local)) : out;
  }

  static boolean isCircuit(Multiaddr m) {
    return m.components().stream().anyMatch(c -> c.protocol() == Protocol.P2P_CIRCUIT);
  }

  static boolean endsInCircuit(Multiaddr m) {
    List<Multiaddr.Component> c = m.components();
    return c.get(c.size() - 1).protocol() == Protocol.P2P_CIRCUIT;
  }

  /** {@code /ip4|ip6|dns*\/<host>/tcp/<port>/p2p/<relay>/p2p-circuit}: a relay we can dial, and nothing after. */
  static boolean validCircuit(Multiaddr m) {
    List<Multiaddr.Component> c = m.components();
    int n = c.size();
    if (n < 4 || c.get(n - 1).protocol() != Protocol.P2P_CIRCUIT || c.get(n - 2).protocol() != Protocol.P2P) {
      return false;
    }
    Multiaddr relay = Multiaddr.of(c.subList(0, n - 2));
    return dialable(relay) || quic(relay);
  }
}
