package io.warren.libp2p.command;

import io.warren.api.Json;
import io.warren.api.TransportException;
import io.warren.libp2p.EchoResult;
import io.warren.libp2p.Libp2pNode;
import io.warren.libp2p.LimitInfo;
import io.warren.libp2p.PeerInfo;
import io.warren.libp2p.PingResult;
import io.warren.libp2p.ReachabilityInfo;
import io.warren.libp2p.RelayInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code p2p:} console scope: this node's libp2p addresses and peers, and reachability checks. */
@Component(service = P2pCommands.class, property = {
    "osgi.command.scope=p2p",
    "osgi.command.function=addrs",
    "osgi.command.function=peers",
    "osgi.command.function=connect",
    "osgi.command.function=ping",
    "osgi.command.function=echo",
    "osgi.command.function=reserve",
    "osgi.command.function=upgrade",
    "osgi.command.function=relays",
    "osgi.command.function=reachability",
    "osgi.command.function=limits"})
public final class P2pCommands {
  /** How long a command waits for the network before it gives up. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Libp2pNode node;

  @Activate
  public P2pCommands(@Reference Libp2pNode node) {
    this.node = node;
  }

  @Descriptor("Lists the multiaddrs this node can be reached at: listen addresses, then relay circuit addresses")
  public List<String> addrs() {
    return node.listenAddresses();
  }

  @Descriptor("Lists the open libp2p connections: peer, address, direction, path (tcp, quic or relayed) and its "
      + "round-trip time, security, streams, agent")
  public Object peers(
      @Descriptor("a JSON array: peer, address, direction, path, transport, rttMillis, security, streams, agent") @Parameter(
          names = {"--json"}, presentValue = "true", absentValue = "false") boolean json) {
    List<String> rows = new ArrayList<>();
    List<PeerInfo> peers = node.peers();
    if (json) {
      List<Object> out = new ArrayList<>();
      for (PeerInfo p : peers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peer", p.peerId());
        m.put("address", p.address());
        m.put("direction", p.outbound() ? "out" : "in");
        m.put("path", p.relayed() ? "relayed" : "direct");
        m.put("transport", p.transport());
        m.put("rttMillis", p.rtt() == null ? null : millis(p.rtt()));
        m.put("security", p.security());
        m.put("streams", p.streams());
        m.put("agent", p.agentVersion().isEmpty() ? null : p.agentVersion());
        out.add(m);
      }
      return Json.write(out);
    }
    if (peers.isEmpty()) {
      return rows;
    }
    rows.add(String.format("%-52s %-28s %-4s %-7s %9s %-10s %7s  %s", "PEER", "ADDRESS", "DIR", "PATH", "RTT",
        "SECURITY", "STREAMS", "AGENT"));
    for (PeerInfo p : peers) {
      String rtt = p.rtt() == null ? "-" : String.format(Locale.ROOT, "%.1f ms", millis(p.rtt()));
      rows.add(String.format("%-52s %-28s %-4s %-7s %9s %-10s %7d  %s", p.peerId(), p.address(),
          p.outbound() ? "out" : "in", p.transport(), rtt, p.security(), p.streams(),
          p.agentVersion().isEmpty() ? "-" : p.agentVersion()));
    }
    return rows;
  }

  @Descriptor("Connects to a peer and identifies it")
  public Map<String, Object> connect(
      @Descriptor("the peer's multiaddr, e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...") String multiaddr) {
    PeerInfo p = await(node.connect(multiaddr));
    Map<String, Object> m = connection(p);
    m.put("agent", p.agentVersion().isEmpty() ? "(not identified)" : p.agentVersion());
    m.put("protocols", String.join(" ", p.protocols()));
    m.put("addresses", p.addressesSigned() ? "from a signed peer record (verified)" : "unsigned");
    m.put("opened", p.opened());
    return m;
  }

  @Descriptor("Measures round trips to a peer with /ipfs/ping/1.0.0")
  public List<String> ping(
      @Descriptor("number of pings") @Parameter(names = {"-c", "--count"}, absentValue = "1") int count,
      @Descriptor("a peer ID (connected or known) or a multiaddr") String target) {
    PingResult r = await(node.ping(target, count));
    List<String> lines = new ArrayList<>();
    lines.add("PING " + r.peerId() + " via " + r.address() + " (" + (r.relayed() ? "relayed" : "direct") + ")");
    for (int i = 0; i < r.rtts().size(); i++) {
      lines.add(String.format(Locale.ROOT, "seq=%d rtt=%.3f ms", i + 1, millis(r.rtts().get(i))));
    }
    if (r.rtts().size() > 1) {
      double min = r.rtts().stream().mapToDouble(P2pCommands::millis).min().orElse(0);
      double max = r.rtts().stream().mapToDouble(P2pCommands::millis).max().orElse(0);
      double avg = r.rtts().stream().mapToDouble(P2pCommands::millis).average().orElse(0);
      lines
          .add(String.format(Locale.ROOT, "%d pings: min/avg/max = %.3f/%.3f/%.3f ms", r.rtts().size(), min, avg, max));
    }
    return lines;
  }

  @Descriptor("Sends bytes over /echo/1.0.0 and checks that exactly the same bytes come back")
  public Map<String, Object> echo(
      @Descriptor("bytes to send") @Parameter(names = {"-n", "--bytes"}, absentValue = "1048576") long bytes,
      @Descriptor("a peer ID (connected or known) or a multiaddr") String target) {
    EchoResult r = await(node.echo(target, bytes));
    if (!r.identical()) {
      throw new TransportException("echo from " + r.peerId() + " differs: sent " + r.sent() + " bytes, got "
          + r.received() + " back, not byte-identical");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("peer", r.peerId());
    m.put("bytes", r.sent());
    m.put("identical", true);
    m.put("elapsed", String.format(Locale.ROOT, "%.1f ms", millis(r.elapsed())));
    double seconds = Math.max(1e-9, r.elapsed().toNanos() / 1e9);
    m.put("throughput", String.format(Locale.ROOT, "%.1f MB/s each way", r.sent() / seconds / 1e6));
    return m;
  }

  @Descriptor("Reserves a slot at a circuit relay; prints the relayed addresses others can reach this node at")
  public List<String> reserve(
      @Descriptor("the relay's multiaddr, ending in /p2p/<relay peer ID>") String relayMultiaddr) {
    return await(node.reserve(relayMultiaddr));
  }

  @Descriptor("Upgrades the relayed connection to a peer to a direct one now (DCUtR: its direct addresses, else a hole "
      + "punch), also when dcutr.enabled is off; prints the direct connection")
  public Map<String, Object> upgrade(@Descriptor("the peer ID of a relayed connection") String peerId) {
    return connection(await(node.upgrade(peerId)));
  }

  /** A connection's peer, address, path and security, for more fields to follow. */
  private static Map<String, Object> connection(PeerInfo p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("peer", p.peerId());
    m.put("address", p.address());
    m.put("path", p.relayed() ? "relayed" : "direct");
    m.put("security", p.security());
    return m;
  }

  @Descriptor("Lists this node's relay reservations: relay, state, expiry, and the circuit address peers can use")
  public Object relays(
      @Descriptor("a JSON array: relay, state, expires, circuitAddresses") @Parameter(names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json) {
    List<String> rows = new ArrayList<>();
    List<RelayInfo> relays = node.relays();
    if (json) {
      List<Object> out = new ArrayList<>();
      for (RelayInfo r : relays) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("relay", r.relayPeerId());
        m.put("state", String.valueOf(r.state()));
        m.put("expires",
            r.expires() == null ? null : r.expires().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        m.put("circuitAddresses", r.circuitAddresses());
        out.add(m);
      }
      return Json.write(out);
    }
    if (relays.isEmpty()) {
      return rows;
    }
    rows.add(String.format("%-52s %-20s %-20s %s", "RELAY", "STATE", "EXPIRES", "CIRCUIT ADDRESS"));
    for (RelayInfo r : relays) {
      String expires =
          r.expires() == null ? "-" : r.expires().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
      String circuit = r.circuitAddresses().isEmpty() ? "-" : String.join(" ", r.circuitAddresses());
      rows.add(String.format("%-52s %-20s %-20s %s", r.relayPeerId(), r.state(), expires, circuit));
    }
    return rows;
  }

  @Descriptor("Shows connection and stream limits by scope (system, transient, per address, per peer, per protocol): "
      + "use, limit, and refusals since start")
  public Object limits(
      @Descriptor("busiest addresses and peers to list one by one") @Parameter(names = {"-n", "--top"},
          absentValue = "5") int top,
      @Descriptor("a JSON array: scope, resource, used, limit, refused") @Parameter(names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json) {
    if (top < 0) {
      throw new IllegalArgumentException("--top must not be negative, got " + top);
    }
    if (json) {
      List<Object> out = new ArrayList<>();
      for (LimitInfo l : node.limits(top)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scope", l.scope());
        m.put("resource", l.resource());
        m.put("used", l.used());
        m.put("limit", l.limit());
        m.put("refused", l.refused() < 0 ? null : l.refused());
        out.add(m);
      }
      return Json.write(out);
    }
    List<String> rows = new ArrayList<>();
    rows.add(String.format("%-62s %-16s %7s %7s %8s", "SCOPE", "RESOURCE", "USED", "LIMIT", "REFUSED"));
    for (LimitInfo l : node.limits(top)) {
      rows.add(String.format("%-62s %-16s %7d %7d %8s", l.scope(), l.resource(), l.used(), l.limit(),
          l.refused() < 0 ? "-" : Long.toString(l.refused())));
    }
    return rows;
  }

  @Descriptor("Says whether peers can dial this node (public/private/unknown), what decided it and since when, "
      + "and the relay reservations and circuit addresses it holds meanwhile")
  public Map<String, Object> reachability() {
    ReachabilityInfo r = node.reachabilityInfo();
    java.time.Instant now = java.time.Instant.now();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", r.status());
    m.put("decided by", r.summary().substring(r.status().length()).strip());
    m.put("since", since(r.since(), now));
    m.put("peers", r.reached() + " reached it, " + r.unreached() + " could not, " + r.asking() + " being asked");
    m.put("reservations", r.reservations() == 0 ? "none" : r.reservations() + " since " + since(r.circuitSince(), now));
    m.put("circuit", r.circuitAddresses().isEmpty() ? "-" : String.join(" ", r.circuitAddresses()));
    return m;
  }

  private static String since(java.time.Instant at, java.time.Instant now) {
    return at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS) + String.format(Locale.ROOT, " (%.1f s ago)",
        Math.max(0, Duration.between(at, now).toMillis()) / 1000.0);
  }

  private static double millis(Duration d) {
    return d.toNanos() / 1e6;
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new TransportException(c.getMessage(), c);
    } catch (TimeoutException e) {
      throw new TransportException("no answer within " + TIMEOUT.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted");
    }
  }
}
