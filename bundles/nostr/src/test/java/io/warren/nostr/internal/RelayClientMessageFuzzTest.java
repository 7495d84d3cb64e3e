package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.store.internal.H2Store;
import io.warren.testing.Fuzz;
import io.warren.testing.TestEventLoops;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzz target for the relay's client messages (EVENT, REQ, CLOSE, AUTH) over a real WebSocket
 * connection to a real relay: after each fuzzed message the connection either answers a probe REQ
 * (it survived) or was closed by the relay with a close frame (the documented way: NOTICE, then
 * close, for a bad frame or too many malformed messages). A connection that drops without a close
 * frame is a handler that failed on the input.
 */
class RelayClientMessageFuzzTest {

  private static final byte[] KEY = Bip340.newSecretKey();
  private static TestEventLoops loops;
  private static Path dir;
  private static H2Store h2;
  private static RelayServer relay;
  private static WsClient client;
  private static int tries;

  @BeforeContainer
  static void start() throws Exception {
    loops = new TestEventLoops();
    dir = Files.createTempDirectory("relay-fuzz");
    h2 = H2Store.open(dir);
    relay = new RelayServer(loops, Configs.relay(), new EventStore(h2), "ab".repeat(32), "fuzz");
  }

  @AfterContainer
  static void stop() {
    if (client != null) {
      client.close();
    }
    relay.close();
    h2.close();
    loops.close();
  }

  @Provide
  Arbitrary<String> messages() {
    long now = System.currentTimeMillis() / 1000;
    Event note = Event.sign(KEY, now, 1, List.of(List.of("t", "fuzz")), "hello");
    Event auth = Event.sign(KEY, now, 22242, List.of(List.of("relay", relay.url()), List.of("challenge", "x")), "");
    return Fuzz.text(16_384,
        List.of("[\"EVENT\"," + note.toJson() + "]", "[\"REQ\",\"s\"," + NostrParsingFuzzTest.FILTER + "]",
            "[\"REQ\",\"s2\",{\"kinds\":[1],\"limit\":5},{\"authors\":[\"" + note.pubkey() + "\"]}]",
            "[\"CLOSE\",\"s\"]", "[\"AUTH\"," + auth.toJson() + "]", "[\"COUNT\",\"c\",{}]"),
        NostrParsingFuzzTest.JSON_TOKENS);
  }

  @Property(seed = Fuzz.SEED)
  void everyClientMessageIsAnsweredOrTheConnectionIsClosedWithACloseFrame(@ForAll("messages") String input)
      throws Exception {
    if (client == null || !client.channel.isActive() || ++tries % 200 == 0) {
      if (client != null) {
        client.close();
      }
      client = new WsClient(loops, relay.url());
    }
    WsClient c = client;
    String probe = "probe" + tries;
    Fuzz.expect(input, () -> {
      c.send(input.getBytes(StandardCharsets.UTF_8));
      c.send("[\"REQ\",\"" + probe + "\",{\"limit\":0}]");
      c.send("[\"CLOSE\",\"" + probe + "\"]");
    }, Exception.class); // the relay may already have closed the connection
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      String m = c.received.poll(50, TimeUnit.MILLISECONDS);
      if (m != null && m.contains("\"" + probe + "\"")) {
        return; // still serving
      }
      if (m == null && c.closeStatus.isDone() && c.received.isEmpty()) {
        assertNotEquals(-1, c.closeStatus.join(),
            "the relay dropped the connection without a close frame after " + Fuzz.describe(input));
        return;
      }
    }
    throw new AssertionError("no answer to a probe and no close within 20 s after " + Fuzz.describe(input));
  }
}
