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
 * Through real NATs ({@link NatLab}: network namespaces, nftables masquerade, a relay between
 * them), one {@link NatTrial} per pairing. Asserts only what the physics allows: two nodes behind
 * cone NATs get a direct connection, over TCP and, with QUIC on both, over QUIC (a UDP hole
 * punch), and a node behind a symmetric NAT is still reachable through the relay (AutoNAT finds it private and it keeps its circuit address). How fast is printed, never
 * asserted (bench/nat.sh runs many trials). Skipped, saying why, only where the machine cannot
 * build the lab (not root, no ip or nft); a lab that fails to build where it can is a failure.
 */
class Libp2pNatTest {
  @TempDir Path dir;

  @Test
  void coneNatsGetADirectConnectionAndASymmetricNatStaysReachableThroughTheRelay() throws Exception {
    String why = NatLab.unavailable();
    assumeTrue(why == null, why);
    try (NatLab lab = NatLab.create("wt" + ProcessHandle.current().pid() % 100000 + "-");
        NodeProcess r = lab.node(dir.resolve("r"), "r",
            "listen.addresses = /ip4/" + NatLab.RELAY_IP + "/tcp/4003\nrelay.hop.enabled = true\n"
                + "quic.enabled = true\n")) {
      r.awaitReady();
      String rAddr = NatTrial.relayAddress(r, false);

      // one pairing after the other: four JVMs starting at once overload a busy 2-core machine
      NatTrial.Result cone = NatTrial.run(lab, dir.resolve("b"), rAddr, "a", "b", 4001, Duration.ofSeconds(60));
      System.out.println("NAT lab, cone/cone: " + cone);
      assertNull(cone.failure(), cone.toString());
      assertTrue(cone.direct(), "two cone NATs: DCUtR gets a direct connection; " + cone);

      NatTrial.Result symmetric = NatTrial.run(lab, dir.resolve("c"), rAddr, "a", "c", 4002, Duration.ofSeconds(5));
      System.out.println("NAT lab, cone/symmetric: " + symmetric);
      assertNull(symmetric.failure(), symmetric.toString());
      assertTrue(symmetric.yReachedThroughRelay(), "c, behind a symmetric NAT, reached through the relay; "
          + symmetric);
      assertTrue(symmetric.yReachability().lines().anyMatch(l -> l.matches("status\\s+private")),
          "AutoNAT: r could not dial c back through its symmetric NAT:\n" + symmetric.yReachability());
      assertTrue(symmetric.yReachability().contains("/p2p-circuit/"), symmetric.yReachability());

      // the same cone NATs with QUIC on both nodes: DCUtR punches UDP and the direct path is QUIC
      NatTrial.Result quic = NatTrial.run(lab, dir.resolve("q"), NatTrial.relayAddress(r, true), "a", "b", 4004,
          Duration.ofSeconds(60), true);
      System.out.println("NAT lab, cone/cone over QUIC: " + quic);
      assertNull(quic.failure(), quic.toString());
      assertTrue(quic.direct(), "two cone NATs, QUIC: DCUtR gets a direct connection; " + quic);
      assertEquals("quic", quic.directPath(), "the UDP hole punch made it, not the TCP fallback; " + quic);
    }
  }
}
