package io.warren.libp2p.internal.host;

import io.warren.api.PeerId;
import io.warren.libp2p.LimitInfo;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What connections and streams may hold, by scope, after go-libp2p's resource manager: the
 * system (every connection), the transient scope (inbound connections that have not finished the
 * upgrade), each source address (an IPv4 address, an IPv6 /64), each peer, and each protocol.
 *
 * <p>An inbound connection takes a system slot, a slot of its address and a transient slot (of
 * the transient total and of its address) when it is accepted; the transient slots are given back
 * when its upgrade completes or it closes, the others when it closes. So a few hundred silent
 * sockets from one address hold at most {@code transientPerIp} slots, and strangers together at
 * most {@code transientConnections}, leaving the rest of the system to established peers.
 * Outbound connections (our own dials) take a system slot only. An inbound stream takes a slot of
 * its peer's negotiating streams while it chooses its protocol, then a slot of its peer and of its
 * protocol once the protocol is negotiated.
 *
 * <p>Counting is synchronized on this object: it happens once per connection or stream, far less
 * often than bytes move, and keeps each decision over several scopes atomic.
 */
public final class ResourceScopes {

  /**
   * @param systemConnections connections open at once, inbound and outbound
   * @param transientConnections inbound connections still upgrading (multistream, TLS or Noise)
   * @param transientPerIp of those, from one address
   * @param connectionsPerIp inbound connections from one address, upgrading or established
   * @param connectionsPerPeer connections to one peer, direct or relayed
   * @param streamsPerPeer inbound streams one peer has open, over all its connections
   * @param streamsPerProtocol inbound streams open for one protocol, all peers together
   * @param negotiatingStreamsPerPeer inbound streams of one peer still choosing their protocol
   *     (multistream-select), over all its connections: go-libp2p's transient stream scope
   */
  public record Limits(int systemConnections, int transientConnections, int transientPerIp, int connectionsPerIp,
      int connectionsPerPeer, int streamsPerPeer, int streamsPerProtocol, int negotiatingStreamsPerPeer) {

    public static final Limits DEFAULT = new Limits(256, 128, 8, 32, 8, 4096, 8192, 64);

    /** The limits with the default bound on streams still negotiating. */
    public Limits(int systemConnections, int transientConnections, int transientPerIp, int connectionsPerIp,
        int connectionsPerPeer, int streamsPerPeer, int streamsPerProtocol) {
      this(systemConnections, transientConnections, transientPerIp, connectionsPerIp, connectionsPerPeer,
          streamsPerPeer, streamsPerProtocol, DEFAULT.negotiatingStreamsPerPeer);
    }

    public Limits {
      positive("max.connections", systemConnections);
      positive("max.transient.connections", transientConnections);
      positive("max.transient.connections.per.ip", transientPerIp);
      positive("max.connections.per.ip", connectionsPerIp);
      positive("max.connections.per.peer", connectionsPerPeer);
      positive("max.streams.per.peer", streamsPerPeer);
      positive("max.streams.per.protocol", streamsPerProtocol);
      positive("max.negotiating.streams.per.peer", negotiatingStreamsPerPeer);
    }

    public Limits withSystemConnections(int n) {
      return new Limits(n, transientConnections, transientPerIp, connectionsPerIp, connectionsPerPeer, streamsPerPeer,
          streamsPerProtocol, negotiatingStreamsPerPeer);
    }

    private static void positive(String name, int v) {
      if (v < 1) {
        throw new IllegalArgumentException(name + " must be at least 1, got " + v);
      }
    }
  }

  private final Limits limits;
  private int system;
  private int transients;
  private final Map<String, int[]> transientByIp = new HashMap<>();
  private final Map<String, int[]> byIp = new HashMap<>();
  private final Map<PeerId, int[]> streamsByPeer = new HashMap<>();
  private final Map<String, int[]> streamsByProtocol = new HashMap<>();
  private final Map<PeerId, int[]> negotiatingByPeer = new HashMap<>();
  /** Refusals since start, by scope, for {@code p2p:limits}. */
  private final Map<String, long[]> refused = new HashMap<>();

  public ResourceScopes(Limits limits) {
    this.limits = limits;
  }

  public Limits limits() {
    return limits;
  }

  /** A connection's hold on its scopes; {@link #close()} gives them back (once). */
  public final class Slot {
    private final String ip; // null: outbound
    private boolean upgrading;
    private boolean closed;

    private Slot(String ip) {
      this.ip = ip;
      this.upgrading = ip != null;
    }

    /** The upgrade completed: the transient slots are given back. */
    public void established() {
      synchronized (ResourceScopes.this) {
        if (upgrading && !closed) {
          upgrading = false;
          releaseTransient(ip);
        }
      }
    }

    public void close() {
      synchronized (ResourceScopes.this) {
        if (closed) {
          return;
        }
        closed = true;
        system--;
        if (ip != null) {
          decrement(byIp, ip);
          if (upgrading) {
            releaseTransient(ip);
          }
        }
      }
    }
  }

  /** The scope key of an address: the address itself for IPv4, its /64 for IPv6. */
  static String ipScope(InetAddress a) {
    if (a instanceof Inet6Address && !a.isLoopbackAddress()) {
      byte[] b = a.getAddress();
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        s.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
      }
      return s + ":/64";
    }
    return a.getHostAddress();
  }

  /** Slots for a connection accepted from {@code from}, or null with the reason in {@code why[0]}. */
  public synchronized Slot acceptInbound(InetAddress from, String[] why) {
    String ip = ipScope(from);
    if (system >= limits.systemConnections) {
      return refuse("system", why, "connection limit reached (" + system + " open, max.connections)");
    }
    if (count(byIp, ip) >= limits.connectionsPerIp) {
      return refuse("per-ip", why,
          count(byIp, ip) + " connections from " + ip + " are open (max.connections.per.ip)");
    }
    if (transients >= limits.transientConnections) {
      return refuse("transient", why,
          transients + " inbound connections are still upgrading (max.transient.connections)");
    }
    if (count(transientByIp, ip) >= limits.transientPerIp) {
      return refuse("transient-per-ip", why, count(transientByIp, ip) + " connections from " + ip
          + " are still upgrading (max.transient.connections.per.ip)");
    }
    system++;
    transients++;
    increment(byIp, ip);
    increment(transientByIp, ip);
    return new Slot(ip);
  }

  /** A system slot for a connection we dial, or null (the limit is reached). */
  public synchronized Slot dialOutbound() {
    if (system >= limits.systemConnections) {
      refuse("system", null, null);
      return null;
    }
    system++;
    return new Slot(null);
  }

  /**
   * Takes a stream slot of {@code peer} and of {@code protocol}; returns null on success, else why
   * not. {@link #closeStream} gives it back.
   */
  public synchronized String openStream(PeerId peer, String protocol) {
    if (count(streamsByPeer, peer) >= limits.streamsPerPeer) {
      refuse("stream-per-peer", null, null);
      return "peer " + peer + " has " + count(streamsByPeer, peer) + " inbound streams open (max.streams.per.peer)";
    }
    if (count(streamsByProtocol, protocol) >= limits.streamsPerProtocol) {
      refuse("stream-per-protocol", null, null);
      return count(streamsByProtocol, protocol) + " inbound " + protocol
          + " streams are open (max.streams.per.protocol)";
    }
    increment(streamsByPeer, peer);
    increment(streamsByProtocol, protocol);
    return null;
  }

  public synchronized void closeStream(PeerId peer, String protocol) {
    decrement(streamsByPeer, peer);
    decrement(streamsByProtocol, protocol);
  }

  /**
   * Takes a slot of {@code peer}'s streams still negotiating their protocol; returns null on
   * success, else why not. {@link #negotiated} gives it back, once, when the protocol is chosen or
   * the stream ends.
   */
  public synchronized String openNegotiating(PeerId peer) {
    if (count(negotiatingByPeer, peer) >= limits.negotiatingStreamsPerPeer) {
      refuse("negotiating-per-peer", null, null);
      return "peer " + peer + " has " + count(negotiatingByPeer, peer)
          + " inbound streams still negotiating (max.negotiating.streams.per.peer)";
    }
    increment(negotiatingByPeer, peer);
    return null;
  }

  public synchronized void negotiated(PeerId peer) {
    decrement(negotiatingByPeer, peer);
  }

  /** Counts a refusal by the per-peer connection limit (checked where connections are registered). */
  synchronized void refusedPeerConnection() {
    refuse("per-peer", null, null);
  }

  /**
   * Usage and limits, for {@code p2p:limits}: the system and transient scopes, then the busiest
   * addresses, peers (connections from {@code connectionsByPeer}, and streams) and every protocol in use.
   */
  public synchronized List<LimitInfo> usage(Map<PeerId, Integer> connectionsByPeer, int top) {
    List<LimitInfo> out = new ArrayList<>();
    out.add(new LimitInfo("system", "connections", system, limits.systemConnections, refusals("system")));
    out.add(new LimitInfo("transient", "connections", transients, limits.transientConnections,
        refusals("transient")));
    busiest(transientByIp, top).forEach(e -> out.add(new LimitInfo("transient ip " + e.getKey(), "connections",
        e.getValue()[0], limits.transientPerIp, -1)));
    out.add(new LimitInfo("transient per ip", "connections", max(transientByIp), limits.transientPerIp,
        refusals("transient-per-ip")));
    busiest(byIp, top).forEach(e -> out.add(new LimitInfo("ip " + e.getKey(), "connections", e.getValue()[0],
        limits.connectionsPerIp, -1)));
    out.add(new LimitInfo("per ip", "connections", max(byIp), limits.connectionsPerIp, refusals("per-ip")));
    connectionsByPeer.entrySet().stream().sorted(Map.Entry.<PeerId, Integer>comparingByValue().reversed()).limit(top)
        .forEach(e -> out.add(new LimitInfo("peer " + e.getKey(), "connections", e.getValue(),
            limits.connectionsPerPeer, -1)));
    out.add(new LimitInfo("per peer", "connections",
        connectionsByPeer.values().stream().mapToInt(Integer::intValue).max().orElse(0), limits.connectionsPerPeer,
        refusals("per-peer")));
    busiest(streamsByPeer, top).forEach(e -> out.add(new LimitInfo("peer " + e.getKey(), "inbound streams",
        e.getValue()[0], limits.streamsPerPeer, -1)));
    out.add(new LimitInfo("per peer", "inbound streams", max(streamsByPeer), limits.streamsPerPeer,
        refusals("stream-per-peer")));
    busiest(negotiatingByPeer, top).forEach(e -> out.add(new LimitInfo("peer " + e.getKey(), "negotiating streams",
        e.getValue()[0], limits.negotiatingStreamsPerPeer, -1)));
    out.add(new LimitInfo("per peer", "negotiating streams", max(negotiatingByPeer), limits.negotiatingStreamsPerPeer,
        refusals("negotiating-per-peer")));
    streamsByProtocol.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out
        .add(new LimitInfo("protocol " + e.getKey(), "inbound streams", e.getValue()[0], limits.streamsPerProtocol,
            -1)));
    out.add(new LimitInfo("per protocol", "inbound streams", max(streamsByProtocol), limits.streamsPerProtocol,
        refusals("stream-per-protocol")));
    return out;
  }

  private void releaseTransient(String ip) {
    transients--;
    decrement(transientByIp, ip);
  }

  private Slot refuse(String scope, String[] why, String reason) {
    refused.computeIfAbsent(scope, k -> new long[1])[0]++;
    if (why != null) {
      why[0] = reason;
    }
    return null;
  }

  /** Refusals so far by limit ({@code system}, {@code per-peer}, {@code stream-per-protocol} ...), every limit listed. */
  synchronized Map<String, Long> refusals() {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (String limit : List.of("system", "transient", "transient-per-ip", "per-ip", "per-peer", "stream-per-peer",
        "negotiating-per-peer", "stream-per-protocol")) {
      out.put(limit, refusals(limit));
    }
    refused.forEach((k, v) -> out.put(k, v[0]));
    return out;
  }

  private long refusals(String scope) {
    long[] r = refused.get(scope);
    return r == null ? 0 : r[0];
  }

  private static <K> int count(Map<K, int[]> m, K key) {
    int[] c = m.get(key);
    return c == null ? 0 : c[0];
  }

  private static <K> void increment(Map<K, int[]> m, K key) {
    m.computeIfAbsent(key, k -> new int[1])[0]++;
  }

  private static <K> void decrement(Map<K, int[]> m, K key) {
    int[] c = m.get(key);
    if (c != null && --c[0] <= 0) {
      m.remove(key);
    }
  }

  private static <K> int max(Map<K, int[]> m) {
    return m.values().stream().mapToInt(c -> c[0]).max().orElse(0);
  }

  private static <K> List<Map.Entry<K, int[]>> busiest(Map<K, int[]> m, int top) {
    return m.entrySet().stream().sorted(Comparator.comparingInt((Map.Entry<K, int[]> e) -> e.getValue()[0]).reversed())
        .limit(top).map(e -> Map.entry(e.getKey(), e.getValue().clone())).toList();
  }
}
