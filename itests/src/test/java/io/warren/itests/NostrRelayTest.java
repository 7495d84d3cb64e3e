package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay of a real node process, driven by nostr-tools (npm, pinned in package-lock.json) as a
 * real client: publish, a REQ per filter kind, a live subscription, invalid signature and wrong
 * id, NIP-42, NIP-11, and bad input (malformed JSON, a 10 MB message, a REQ flood).
 */
class NostrRelayTest {
  /** The checks the client script must report, each as "ok <name>". */
  private static final List<String> CHECKS = List.of("publish", "filter ids", "filter authors", "filter kinds",
      "filter #e", "filter #p", "filter #t", "filter since", "filter until", "filter limit",
      "several filters are OR-ed", "live subscription", "invalid signature is rejected with invalid:",
      "wrong id is rejected with invalid:", "NIP-42 auth", "NIP-11 information document",
      "malformed JSON gets a NOTICE and the connection stays",
      "a 10 MB message closes that connection only, with a NOTICE",
      "a flood of REQs is answered with CLOSED rate-limited:");

  @TempDir Path dir;

  @Test
  void nostrToolsTalksToTheRelayOfARunningNode() throws Exception {
    Path home = NodeProcess.installation(dir);
    Files.writeString(home.resolve("etc/io.warren.nostr.relay.cfg"), "enabled = true\nport = 0\n");
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"))) {
      node.awaitReady();
      String url = node.bannerValues("listening").stream().filter(a -> a.startsWith("ws://")).findFirst()
          .orElse("(no ws:// address in the banner)\n" + node.out());
      assertTrue(url.matches("ws://127\\.0\\.0\\.1:\\d+"), "the relay listens on loopback: " + url);
      Result info = node.client("node:info");
      assertTrue(info.out().contains(url), "node:info lists the relay: " + info);

      Path itests = Path.of(System.getProperty("warren.itests.dir"));
      Result client = NodeProcess.run(List.of("node", "--experimental-websocket", "--no-warnings",
          itests.resolve("src/test/js/nostr-tools-client.mjs").toString(), url), null);
      for (String check : CHECKS) {
        assertTrue(client.out().contains("ok " + check + "\n"), "check '" + check + "' passed:\n" + client);
      }
      assertEquals(0, client.exit(), client.toString());
      assertTrue(client.out().contains(CHECKS.size() + " passed, 0 failed"), client.toString());
      assertTrue(node.alive(), "the node survived the bad input");

      Result relay = node.client("relay:info");
      assertEquals(0, relay.exit(), relay.toString());
      assertTrue(relay.out().contains(url), relay.toString());
      assertTrue(relay.out().matches("(?s).*stored-events\\s+[1-9].*"), relay.toString());
    }
  }

  @Test
  void relayPortOnTheCommandLineStartsTheRelay() throws Exception {
    Path home = NodeProcess.installation(dir);
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"), "--relay-port", "0")) {
      node.awaitReady();
      Result relay = node.client("relay:info");
      assertEquals(0, relay.exit(), relay.toString());
      assertTrue(relay.out().matches("(?s).*ws://127\\.0\\.0\\.1:\\d+.*"), relay.toString());
    }
  }
}
