package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay-only node: an installation whose features/ holds only core and nostr (the libp2p feature,
 * and federation, which needs it, left out by not being there) starts, serves the relay, and a
 * real nostr-tools client publishes and reads back a signed event. The Nostr bundle needs no
 * libp2p bundle.
 */
class RelayOnlyNodeTest {
  private static final List<String> FEATURES = List.of("core.json", "nostr.json");

  @TempDir Path dir;

  /** Replaces the installation's link to every feature with a folder holding only {@link #FEATURES}. */
  private static void relayOnly(Path home) throws Exception {
    Path shared = home.resolve("features").toRealPath();
    Files.delete(home.resolve("features"));
    Path features = Files.createDirectories(home.resolve("features"));
    for (String f : FEATURES) {
      Files.copy(shared.resolve(f), features.resolve(f));
    }
    assertTrue(Files.exists(shared.resolve("libp2p.json")), "the distribution has a libp2p feature to leave out");
  }

  @Test
  void aNodeWithoutLibp2pServesTheRelay() throws Exception {
    Path home = NodeProcess.installation(dir);
    relayOnly(home);
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"), "--relay-port", "0")) {
      node.awaitReady();
      Result info = node.client("node:info");
      assertEquals(0, info.exit(), info.toString());
      assertTrue(info.out().matches("(?s).*\\d+ ACTIVE\\s+io\\.warren\\.nostr .*"),
          "the nostr bundle is active: " + info);
      assertTrue(info.out().matches("(?s).*\\d+ ACTIVE\\s+io\\.warren\\.yamux .*"),
          "the yamux bundle is active: " + info);
      assertFalse(info.out().contains("io.warren.libp2p"), "no libp2p bundle is installed: " + info);
      assertFalse(info.out().contains("io.warren.federation"), "no federation bundle is installed: " + info);

      String url = node.bannerValues("listening").stream().filter(a -> a.startsWith("ws://")).findFirst()
          .orElse("(no ws:// address in the banner)\n" + node.out());
      assertTrue(url.matches("ws://127\\.0\\.0\\.1:\\d+"), "the relay listens on loopback: " + url);
      assertTrue(info.out().contains(url), "node:info lists the relay: " + info);

      Path itests = Path.of(System.getProperty("warren.itests.dir"));
      Result client = NodeProcess.run(List.of("node", "--experimental-websocket", "--no-warnings",
          itests.resolve("src/test/js/nostr-publish-read.mjs").toString(), url), null);
      assertTrue(client.out().contains("ok publish\n"), client.toString());
      assertTrue(client.out().contains("ok read back\n"), client.toString());
      assertEquals(0, client.exit(), client.toString());

      Result relay = node.client("relay:info");
      assertEquals(0, relay.exit(), relay.toString());
      assertTrue(relay.out().matches("(?s).*stored-events\\s+[1-9].*"), "the event is stored: " + relay);
    }
  }
}
