package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hole punching through real NATs: network namespaces, two routers doing nftables masquerade
 * (dropping unsolicited inbound connections, like home routers), a relay on the "internet" between
 * them. Skipped, saying why, where namespaces or nftables are not available (needs root).
 *
 * <pre>
 *   a 192.168.1.2 -- 192.168.1.1 nat1 10.99.0.2 --+
 *                                                 br (ns inet) -- 10.99.0.1 r (relay)
 *   b 192.168.2.2 -- 192.168.2.1 nat2 10.99.0.3 --+
 * </pre>
 */
class Libp2pNatTest {
  private static final String P = "wt" + ProcessHandle.current().pid() % 100000 + "-";
  private static final List<String> NAMESPACES = List.of("inet", "r", "nat1", "a", "nat2", "b");

  @TempDir Path dir;
  private final List<String> created = new ArrayList<>();

  private static String ns(String name) {
    return P + name;
  }

  private static NodeProcess.Result sh(String... cmd) throws Exception {
    return NodeProcess.run(List.of(cmd), null);
  }

  private static void must(String... cmd) throws Exception {
    NodeProcess.Result r = sh(cmd);
    if (r.exit() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + r);
    }
  }

  private void in(String n, String... cmd) throws Exception {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns(n)));
    all.addAll(Arrays.asList(cmd));
    must(all.toArray(String[]::new));
  }

  private void link(String n1, String if1, String addr1, String n2, String if2, String addr2) throws Exception {
    must("ip", "link", "add", if1, "netns", ns(n1), "type", "veth", "peer", "name", if2, "netns", ns(n2));
    in(n1, "ip", "link", "set", if1, "up");
    in(n2, "ip", "link", "set", if2, "up");
    if (addr1 != null) {
      in(n1, "ip", "addr", "add", addr1, "dev", if1);
    }
    if (addr2 != null) {
      in(n2, "ip", "addr", "add", addr2, "dev", if2);
    }
  }

  private void router(String n, String wan) throws Exception {
    in(n, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    in(n, "nft", "add table ip nat");
    in(n, "nft", "add chain ip nat post { type nat hook postrouting priority 100 ; }");
    in(n, "nft", "add rule ip nat post oifname " + wan + " masquerade");
    in(n, "nft", "add table ip filter");
    in(n, "nft", "add chain ip filter wforward { type filter hook forward priority 0 ; policy accept ; }");
    in(n, "nft", "add rule ip filter wforward iifname " + wan + " ct state new drop");
    in(n, "nft", "add chain ip filter winput { type filter hook input priority 0 ; policy accept ; }");
    in(n, "nft", "add rule ip filter winput iifname " + wan + " ct state new drop"); // drop, do not RST, like home routers
  }

  private boolean setUp() throws Exception {
    if (sh("ip", "netns", "add", ns("probe")).exit() != 0) {
      return false;
    }
    sh("ip", "netns", "del", ns("probe"));
    if (sh("sh", "-c", "command -v nft").exit() != 0) {
      return false;
    }
    for (String n : NAMESPACES) {
      must("ip", "netns", "add", ns(n));
      created.add(n);
      in(n, "ip", "link", "set", "lo", "up");
    }
    in("inet", "ip", "link", "add", "br0", "type", "bridge");
    in("inet", "ip", "link", "set", "br0", "up");
    link("r", "eth0", "10.99.0.1/24", "inet", "vr", null);
    link("nat1", "wan", "10.99.0.2/24", "inet", "vn1", null);
    link("nat2", "wan", "10.99.0.3/24", "inet", "vn2", null);
    for (String port : List.of("vr", "vn1", "vn2")) {
      in("inet", "ip", "link", "set", port, "master", "br0");
    }
    link("a", "eth0", "192.168.1.2/24", "nat1", "lan", "192.168.1.1/24");
    link("b", "eth0", "192.168.2.2/24", "nat2", "lan", "192.168.2.1/24");
    in("a", "ip", "route", "add", "default", "via", "192.168.1.1");
    in("b", "ip", "route", "add", "default", "via", "192.168.2.1");
    router("nat1", "wan");
    router("nat2", "wan");
    return true;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (String n : created) {
      sh("ip", "netns", "del", ns(n));
    }
  }

  private NodeProcess node(String n, String cfg) throws Exception {
    Path home = NodeProcess.installation(dir.resolve(n));
    Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), cfg);
    return NodeProcess.startIn(List.of("ip", "netns", "exec", ns(n)), home, dir.resolve(n + "/data"));
  }

  @Test
  void twoNodesBehindNatsPunchADirectConnection() throws Exception {
    boolean ready;
    try {
      ready = setUp();
    } catch (IllegalStateException e) {
      ready = false;
      assumeTrue(false, "cannot build the NAT topology here: " + e.getMessage());
    }
    assumeTrue(ready, "network namespaces or nftables not available (needs root and CAP_NET_ADMIN)");
    try (NodeProcess r = node("r", "listen.addresses = /ip4/10.99.0.1/tcp/4003\nrelay.hop.enabled = true\n");
        // reachability auto: a listens, so AutoNAT (r dialling back) has to find out that nobody can reach it
        NodeProcess a = node("a", "listen.addresses = /ip4/192.168.1.2/tcp/4001\n");
        NodeProcess b = node("b", "listen.addresses = /ip4/192.168.2.2/tcp/4002\n")) {
      r.awaitReady();
      a.awaitReady();
      b.awaitReady();
      String rAddr = r.client("p2p:addrs").out().strip();
      String aPeer = a.banner("peer ID");
      NodeProcess.Result c = a.client("p2p:connect", rAddr);
      assertEquals(0, c.exit(), c.toString());
      Await.until(Duration.ofSeconds(60), NodeProcess.CLIENT_POLL,
          () -> a.client("p2p:reachability").out().startsWith("private"),
          "AutoNAT: r could not dial a back, so a is private");
      Await.until(Duration.ofSeconds(30), NodeProcess.CLIENT_POLL,
          () -> a.client("p2p:addrs").out().contains("/p2p-circuit/"),
          "a's circuit address");
      assertTrue(r.client("p2p:reachability").out().startsWith("unknown") || r.client("p2p:reachability").out()
          .startsWith("public"), "r asked nobody, so it stays (treated as) public");
      String circuit = rAddr + "/p2p-circuit/p2p/" + aPeer;
      assertEquals(0, b.client("p2p:connect", rAddr).exit(), "b reaches the relay");

      NodeProcess.Result ping = b.client("p2p:ping", circuit);
      assertEquals(0, ping.exit(), ping.toString());
      assertTrue(ping.out().contains("(relayed)"), ping.out());
      Await.until(Duration.ofSeconds(60), NodeProcess.CLIENT_POLL,
          () -> b.client("p2p:ping", aPeer).out().contains("(direct)"),
          "b's pings to a going direct through both NATs");
      NodeProcess.Result peers = b.client("p2p:peers");
      assertTrue(peers.out().lines().anyMatch(l -> l.startsWith(aPeer) && l.contains("/ip4/10.99.0.2/tcp/4001")
          && l.contains("direct")), "b sees a at nat1's public address and a's listen port:\n" + peers.out());
    }
  }
}
