package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 3: the relay's memory and storage against clients that do not read and authors
 * that write without end.
 *
 * <p>Attack: four WebSocket connections that never read (a 4 KiB receive buffer), each sending REQs
 * for 500 stored events of 16 KiB within the REQ rate limit, against a relay node with default
 * output settings whose store holds 2,000 such events. Before the fix each REQ's results were
 * loaded and written at once (8 MiB of frames per REQ, 20 REQs per connection): the node grew by
 * hundreds of MB and died. Now the results stream in pages while the connection is writable, and a
 * connection whose unread output passes max.output.bytes gets a NOTICE and is closed.
 */
class NostrOutputAttackTest {
  static final int STORED = 2_000;
  static final int CONTENT = 16 * 1024;
  static final int ATTACKERS = 4;
  static final int REQS = 24;

  @TempDir Path dir;

  @Test
  void clientsThatDoNotReadAreClosedWithANoticeAndTheRelayStaysBounded() throws Exception {
    Path home = NodeProcess.installation(dir);
    // seeding fast is not the attack: the publishing connection may send more than the default rate
    NodeProcess.configure(home, "io.warren.nostr.relay", "enabled = true\nport = 0\nevents.per.second = 100000\n");
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"))) {
      node.awaitReady();
      String url = NostrSupport.relayUrl(node);
      byte[] author = Bip340.newSecretKey();
      long now = System.currentTimeMillis() / 1000;
      List<Event> seed = new ArrayList<>();
      for (int i = 0; i < STORED; i++) {
        seed.add(Event.sign(author, now - STORED + i, 1, List.of(List.of("t", "seed")),
            ("seed " + i + " ").repeat(CONTENT / 6).substring(0, CONTENT)));
      }
      assertEquals(STORED, NostrSupport.publish(url, seed));
      long rssBefore = NostrSupport.rssMb(node);
      long threadsBefore = NostrSupport.status(node, "Threads");

      AtomicLong peakRss = new AtomicLong(rssBefore);
      AtomicLong peakThreads = new AtomicLong(threadsBefore);
      ExecutorService pool = Executors.newFixedThreadPool(ATTACKERS + 1);
      List<RawWebSocket> attackers = new ArrayList<>();
      List<Future<Integer>> sent = new ArrayList<>();
      try {
        for (int a = 0; a < ATTACKERS; a++) {
          RawWebSocket ws = new RawWebSocket(url, NostrSupport.hostOf(url), 4096);
          attackers.add(ws);
          sent.add(pool.submit(() -> {
            int n = 0;
            try {
              for (; n < REQS; n++) {
                ws.send("[\"REQ\",\"a" + n + "\",{\"kinds\":[1],\"limit\":500}]");
                Thread.sleep(250); // 4 REQs a second: within the rate limit (20)
              }
            } catch (IOException closed) {
              // the relay closed it
            }
            return n;
          }));
        }
        Future<?> sampler = pool.submit(() -> {
          while (!Thread.currentThread().isInterrupted()) {
            peakRss.accumulateAndGet(NostrSupport.rssMb(node), Math::max);
            peakThreads.accumulateAndGet(NostrSupport.status(node, "Threads"), Math::max);
            Thread.sleep(200);
          }
          return null;
        });

        // a legitimate nostr-tools client publishes and reads while the attack runs
        Path itests = Path.of(System.getProperty("warren.itests.dir"));
        Result legit = NodeProcess.run(List.of("node", "--experimental-websocket", "--no-warnings",
            itests.resolve("src/test/js/nostr-publish-read.mjs").toString(), url), null);
        for (Future<Integer> f : sent) {
          f.get(60, TimeUnit.SECONDS);
        }
        sampler.cancel(true);
        System.out.printf("nostr output attack: RSS %d MB before, %d MB peak; threads %d before, %d peak%n",
            rssBefore, peakRss.get(), threadsBefore, peakThreads.get());
        System.out.println("legitimate client during the attack:\n" + legit.out());
        assertEquals(0, legit.exit(), legit.toString());
        assertTrue(legit.out().contains("ok publish") && legit.out().contains("ok read back"), legit.toString());

        // each attacker, reading at last, finds the NOTICE after what was queued for it, then the end
        for (RawWebSocket ws : attackers) {
          String notice = ws.until("[\"NOTICE\"");
          assertNotNull(notice, "a NOTICE before the relay closed the connection");
          assertTrue(notice.contains("not reading"), notice);
        }
        assertTrue(peakRss.get() < rssBefore + 300, "RSS stays within 300 MB of " + rssBefore + " MB: peak "
            + peakRss.get() + " MB");
        HttpResponse<String> status = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
            HttpRequest.newBuilder(URI.create(url.replace("ws://", "http://") + "/api/status")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertTrue(status.body().matches("(?s).*\"slow_readers_closed\":\\s*[4-9].*"), status.body());
        assertTrue(node.alive(), "the node survived");
      } finally {
        pool.shutdownNow();
        attackers.forEach(RawWebSocket::close);
      }
    }
  }

  /**
   * The store's quota: an author flooding the relay keeps only its newest events (its share), and
   * another author's older event stays.
   */
  @Test
  void anAuthorFloodingTheStoreKeepsOnlyItsShare() throws Exception {
    Path home = NodeProcess.installation(dir);
    NodeProcess.configure(home, "io.warren.nostr.relay",
        "enabled = true\nport = 0\nevents.per.second = 100000\nquota.events.per.pubkey = 100\n");
    try (NodeProcess node = NodeProcess.start(home, dir.resolve("data"))) {
      node.awaitReady();
      String url = NostrSupport.relayUrl(node);
      long now = System.currentTimeMillis() / 1000;
      Event other = Event.sign(Bip340.newSecretKey(), now - 10_000, 1, List.of(), "an old note of someone else");
      assertEquals(1, NostrSupport.publish(url, List.of(other)));
      byte[] flooder = Bip340.newSecretKey();
      List<Event> flood = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        flood.add(Event.sign(flooder, now - 300 + i, 1, List.of(), "flood " + i));
      }
      assertEquals(300, NostrSupport.publish(url, flood), "each is stored (and the oldest make room)");
      // the quota is applied when the journal reaches the tables (a second or so after the OKs)
      String byFlooder = "{\"authors\":[\"" + flood.get(0).pubkey() + "\"],\"limit\":500}";
      Await.until(Duration.ofSeconds(60), Duration.ofMillis(200),
          () -> NostrSupport.ids(url, byFlooder).size() <= 100, "the journal stored and the quota applied");
      List<String> kept = NostrSupport.ids(url, byFlooder);
      assertEquals(100, kept.size(), "the flooder keeps its share");
      assertEquals(flood.get(299).id(), kept.get(0), "its newest");
      assertEquals(flood.get(200).id(), kept.get(99), "down to the 100th newest");
      assertEquals(List.of(other.id()), NostrSupport.ids(url, "{\"ids\":[\"" + other.id() + "\"]}"),
          "the other author's event stays");
      Result info = node.client("relay:info");
      assertTrue(info.out().matches("(?s).*stored-events\\s+101\\b.*"), info.toString());
    }
  }
}
