package io.warren.libp2p.internal.host;

import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Protocol;
import io.warren.libp2p.internal.noise.NoiseConfig;
import io.warren.libp2p.internal.tls.TlsConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The host's validated settings, built from {@code Libp2pTransport.Config} (which holds the
 * defaults; tests build their own).
 *
 * @param listen TCP multiaddrs to listen on ({@code /ip4|ip6/<addr>/tcp/<port>}, port 0: any free port)
 * @param limits connection and stream limits by scope (system, transient, per address, per peer,
 *     per protocol); see {@link ResourceScopes}
 * @param maxStreamsPerConnection streams the peer may open on one connection, and streams this node
 *     opens on one connection
 * @param negotiationTimeout bound on each multistream-select negotiation and the TLS or Noise handshake
 * @param dialTimeout bound on a TCP connect
 * @param maxControlBacklog Yamux control frames (ping answers, window updates) a peer may leave
 *     unread before its connection is closed
 * @param security the security protocols in order of preference: a dialler proposes them in this
 *     order, a listener accepts any of them ({@link #SECURITY_PROTOCOLS})
 * @param quic listen for QUIC ({@code /udp/<port>/quic-v1}) next to each TCP listen address, at the
 *     same port, and dial QUIC addresses, where Netty's QUIC native library loads
 */
public record HostConfig(List<Multiaddr> listen, ResourceScopes.Limits limits, int maxStreamsPerConnection,
    Duration negotiationTimeout, Duration dialTimeout, int maxControlBacklog, List<String> security, boolean quic) {

  /** The security protocols this host speaks: libp2p TLS 1.3 and Noise XX. */
  public static final List<String> SECURITY_PROTOCOLS = List.of(TlsConfig.PROTOCOL_ID, NoiseConfig.PROTOCOL_ID);

  public HostConfig {
    listen = List.copyOf(listen);
    security = List.copyOf(security);
    if (security.isEmpty() || security.stream().distinct().count() != security.size()
        || !SECURITY_PROTOCOLS.containsAll(security)) {
      throw new IllegalArgumentException("security.protocols must name " + String.join(" and/or ", SECURITY_PROTOCOLS)
          + ", each once, in order of preference; got " + security);
    }
    for (Multiaddr m : listen) {
      requireTcp(m);
    }
    if (maxControlBacklog < 16) {
      throw new IllegalArgumentException("yamux.max.control.backlog must be at least 16, got " + maxControlBacklog);
    }
    if (maxStreamsPerConnection < 1) {
      throw new IllegalArgumentException("max.streams.per.connection must be at least 1, got "
          + maxStreamsPerConnection);
    }
    if (negotiationTimeout.isNegative() || negotiationTimeout.isZero()) {
      throw new IllegalArgumentException("negotiation timeout must be positive");
    }
    if (dialTimeout.isNegative() || dialTimeout.isZero()) {
      throw new IllegalArgumentException("dial timeout must be positive");
    }
  }

  /** Default limits but {@code maxConnections} in the system scope, both security protocols, TLS first, no QUIC (tests). */
  public HostConfig(List<Multiaddr> listen, int maxConnections, int maxStreamsPerConnection,
      Duration negotiationTimeout, Duration dialTimeout) {
    this(listen, ResourceScopes.Limits.DEFAULT.withSystemConnections(maxConnections), maxStreamsPerConnection,
        negotiationTimeout, dialTimeout, io.warren.yamux.YamuxConfig.DEFAULT_MAX_CONTROL_BACKLOG, SECURITY_PROTOCOLS,
        false);
  }

  /** Connections open at once, inbound and outbound, upgrading or established (the system scope). */
  public int maxConnections() {
    return limits.systemConnections();
  }

  public HostConfig withListen(List<Multiaddr> addrs) {
    return new HostConfig(addrs, limits, maxStreamsPerConnection, negotiationTimeout, dialTimeout, maxControlBacklog,
        security, quic);
  }

  public HostConfig withLimits(int connections, int streams) {
    return new HostConfig(listen, limits.withSystemConnections(connections), streams, negotiationTimeout, dialTimeout,
        maxControlBacklog, security, quic);
  }

  public HostConfig withScopes(ResourceScopes.Limits l) {
    return new HostConfig(listen, l, maxStreamsPerConnection, negotiationTimeout, dialTimeout, maxControlBacklog,
        security, quic);
  }

  public HostConfig withSecurity(List<String> protocols) {
    return new HostConfig(listen, limits, maxStreamsPerConnection, negotiationTimeout, dialTimeout, maxControlBacklog,
        protocols, quic);
  }

  public HostConfig withQuic(boolean on) {
    return new HostConfig(listen, limits, maxStreamsPerConnection, negotiationTimeout, dialTimeout, maxControlBacklog,
        security, on);
  }

  /** Parses listen addresses as given in configuration (an array, or comma-separated); a bad one names itself. */
  public static List<Multiaddr> parseListen(String[] addresses) {
    List<Multiaddr> out = new ArrayList<>();
    for (String a : String.join(",", addresses).split(",")) {
      if (a.isBlank()) {
        continue;
      }
      try {
        out.add(requireTcp(Multiaddr.fromString(a.strip())));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("listen.addresses: '" + a + "': " + e.getMessage(), e);
      }
    }
    return out;
  }

  static Multiaddr requireTcp(Multiaddr m) {
    List<Multiaddr.Component> c = m.components();
    if (c.size() != 2 || (c.get(0).protocol() != Protocol.IP4 && c.get(0).protocol() != Protocol.IP6)
        || c.get(1).protocol() != Protocol.TCP) {
      throw new IllegalArgumentException("listen address " + m + " is not /ip4|ip6/<address>/tcp/<port>");
    }
    return m;
  }
}
