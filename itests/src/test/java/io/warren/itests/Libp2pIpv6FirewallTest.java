package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.warren.testing.NatLab;
import io.warren.testing.NatTrial;
import io.warren.testing.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NAT trial over IPv6 ({@link NatLab#firewalled6}: no NAT, ULA addresses, each host behind a
 * stateful firewall that drops unsolicited inbound, a relay on the routers' segment): AutoNAT finds
 * both nodes unreachable, they hold circuit addresses (IPv6 ones, through the relay's
 * {@code /ip6/} address), and DCUtR's simultaneous TCP open gets them a direct connection through
 * both firewalls, over TCP and over QUIC. How fast is printed, never asserted (bench/nat.sh runs many trials). Skipped,
 * saying why, only where the machine cannot build the lab (not root, no ip or nft).
 */
class Libp2pIpv6FirewallTest {
  @TempDir Path dir;

  @Test
  void twoFirewalledIpv6NodesGetADirectConnection() throws Exception {
    String why = NatLab.unavailable();
    assumeTrue(why == null, why);
    try (NatLab lab = NatLab.firewalled6("w6" + ProcessHandle.current().pid() % 100000 + "-");
        NodeProcess r = lab.node(dir.resolve("r"), "r", lab.relayConfig(4003) + "quic.enabled = true\n")) {
      r.awaitReady();
      String rAddr = NatTrial.relayAddress(r, false);
      assertTrue(rAddr.startsWith("/ip6/" + NatLab.RELAY_IP6 + "/tcp/4003/p2p/"), rAddr);

      NatTrial.Result t = NatTrial.run(lab, dir.resolve("ab"), rAddr, "a", "b", 4001, Duration.ofSeconds(60));
      System.out.println("NAT lab, IPv6 firewalled/firewalled: " + t);
      assertNull(t.failure(), t.toString());
      assertTrue(t.yReachability().lines().anyMatch(l -> l.matches("status\\s+private")),
          "AutoNAT: r could not dial b back through its firewall:\n" + t.yReachability());
      assertTrue(t.yReachability().contains("/ip6/" + NatLab.RELAY_IP6 + "/tcp/4003/p2p/"), t.yReachability());
      assertTrue(t.direct(), "two IPv6 firewalls: DCUtR gets a direct connection; " + t);

      // the same over QUIC: the nodes listen for QUIC too and reach the relay at its QUIC address,
      // so DCUtR punches UDP through both firewalls first
      NatTrial.Result q = NatTrial.run(lab, dir.resolve("q"), NatTrial.relayAddress(r, true), "a", "b", 4004,
          Duration.ofSeconds(60), true);
      System.out.println("NAT lab, IPv6 firewalled/firewalled over QUIC: " + q);
      assertNull(q.failure(), q.toString());
      assertTrue(q.yReachability().contains("/ip6/" + NatLab.RELAY_IP6 + "/udp/4003/quic-v1/p2p/"), q.yReachability());
      assertEquals("quic", q.directPath(), "the UDP hole punch through both firewalls made it; " + q);
    }
  }
}
