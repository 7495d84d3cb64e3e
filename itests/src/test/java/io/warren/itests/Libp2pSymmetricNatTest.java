package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertNotNull;
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
 * Two nodes behind symmetric NATs ({@link NatLab} hosts c and d: every connection gets a random
 * source port, so neither can predict the other's port and TCP hole punching cannot work). Asserts
 * only what the physics allows: c reaches d through the relay, and where DCUtR gets no direct
 * connection (always, unless two random ports happen to match) d reaches c back through the relay
 * and a node says why it stays relayed ("stays relayed: ..."). Skipped, saying why, only where the machine cannot
 * build the lab (not root, no ip or nft).
 */
class Libp2pSymmetricNatTest {
  @TempDir Path dir;

  @Test
  void twoSymmetricNatsStayReachableThroughTheRelay() throws Exception {
    String why = NatLab.unavailable();
    assumeTrue(why == null, why);
    try (NatLab lab = NatLab.create("ws" + ProcessHandle.current().pid() % 100000 + "-");
        NodeProcess r = lab.node(dir.resolve("r"), "r", lab.relayConfig(4003))) {
      r.awaitReady();
      String rAddr = r.client("p2p:addrs").out().strip();

      NatTrial.Result t =
          NatTrial.run(lab, dir.resolve("cd"), rAddr, "c", "d", 4001, Duration.ofSeconds(5), false, "", true);
      System.out.println("NAT lab, symmetric/symmetric: " + t);
      assertNull(t.failure(), t.toString());
      assertTrue(t.yReachedThroughRelay(), "c reached d through the relay; " + t);
      if (!t.direct()) { // the expected outcome: a punch would have to guess two random ports at once
        assertNotNull(t.staysRelayed(), "a node says why it stays relayed; " + t);
        assertTrue(t.xReachedThroughRelay(), "d reached c back through the relay; " + t);
      }
    }
  }
}
