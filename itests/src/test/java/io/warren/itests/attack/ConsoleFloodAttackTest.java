package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 2 (threads): another local user opens 200 silent connections to the console
 * endpoint (which ran a thread per connection, without limit). The node refuses what is over its
 * caps (64 connections, 8 still authenticating per OS user) without a thread per refusal, its
 * thread count stays bounded, and the node's owner is served during the attack.
 */
class ConsoleFloodAttackTest {
  private static final int SILENT = 200;

  @TempDir Path dir;

  @Test
  void silentConsoleConnectionsOfAnotherUserNeitherExhaustThreadsNorLockOutTheOwner() throws Exception {
    assumeTrue("0".equals(NodeProcess.run(List.of("id", "-u"), "").out().trim()),
        "needs root to run the attacker as another OS user (setpriv)");
    Path home = NodeProcess.installation(dir.resolve("t"), "t");
    try (NodeProcess t = NodeProcess.start(home, dir.resolve("t/data"), "-rc", "admin:RightPass")) {
      t.awaitReady();
      Properties console = new Properties();
      console.load(new StringReader(Files.readString(dir.resolve("t/data/run/console"))));
      long threadsBefore = NostrSupport.status(t, "Threads");
      // uid 65534 (nobody): the connections' owner in /proc/net/tcp, so the node sees another local user
      Process attacker = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash",
          "-c", "for i in $(seq 1 " + SILENT + "); do exec {fd}<>/dev/tcp/127.0.0.1/" + console.getProperty("port")
              + " || echo refused; done; echo opened; sleep 60")
          .redirectErrorStream(true).start();
      try {
        AtomicLong peak = new AtomicLong(threadsBefore);
        String warning = "Console endpoint: local user 65534 has 8 connections still authenticating";
        Await.until(Duration.ofSeconds(30), () -> {
          peak.accumulateAndGet(NostrSupport.status(t, "Threads"), Math::max);
          return t.err().contains(warning);
        }, "the log line '" + warning + "'");
        // the owner (another OS user, with the console token) is served while the attacker holds its share
        Result owner = t.awaitClient(Duration.ofSeconds(20), r -> {
          try {
            peak.accumulateAndGet(NostrSupport.status(t, "Threads"), Math::max);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          return r.exit() == 0;
        }, "node:info");
        assertEquals(0, owner.exit(), owner.toString());
        assertTrue(attacker.isAlive(), "the attacker still holds its connections");
        System.out.printf("console flood: %d silent connections from another user; node threads %d before, "
            + "peak %d during%n", SILENT, threadsBefore, peak.get());
        assertTrue(peak.get() - threadsBefore < SILENT / 2,
            "threads grew from " + threadsBefore + " to " + peak.get() + " for " + SILENT + " silent connections");
      } finally {
        attacker.destroyForcibly().waitFor();
      }
      assertTrue(t.alive(), "the node survived");
    }
  }
}
