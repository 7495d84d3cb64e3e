package io.warren.federation.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.NodeIdentity;
import io.warren.identity.NetworkCredentials;
import io.warren.store.internal.H2Store;
import io.warren.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "hold under attack": peers that open federation streams and never send anything. They must
 * not occupy the federation workers (here a single one), and one peer may keep only
 * {@link FederationHandler#MAX_NEGOTIATING_PER_PEER} of them in the membership proof.
 */
class FederationHandlerTest {
  private static final byte[] KEY = MembershipDialogueTest.key("NetPass");

  @TempDir Path dir;
  private H2Store store;
  private ExecutorService worker;
  private LocalStreams streams;
  private final List<String> served = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    store = H2Store.open(dir);
    worker = Executors.newSingleThreadExecutor();
    streams = new LocalStreams();
  }

  @AfterEach
  void stop() {
    worker.shutdownNow();
    streams.close();
    store.close();
  }

  private FederationHandler handler(NodeIdentity me, Duration timeout) throws Exception {
    Optional<NetworkCredentials.Network> net = Optional.of(new NetworkCredentials.Network("net", KEY));
    PeerTable table = new PeerTable(me, new FederationStore(store), net, "1", List::of, 100,
        new PeerTable.Limits(Duration.ofHours(1), 10, () -> true));
    MembershipDialogue dialogue = new MembershipDialogue(me, net, null, null, table, timeout);
    return new FederationHandler(dialogue, worker, (f, peer, operation) -> {
      served.add(peer + " " + operation);
      f.write(new byte[] {42});
    });
  }

  private static MembershipDialogue member(NodeIdentity id, Path db) {
    Optional<NetworkCredentials.Network> net = Optional.of(new NetworkCredentials.Network("net", KEY));
    H2Store s = H2Store.open(db);
    PeerTable table = new PeerTable(id, new FederationStore(s), net, "1", List::of, 100,
        new PeerTable.Limits(Duration.ofHours(1), 10, () -> true));
    return new MembershipDialogue(id, net, null, null, table, MembershipDialogueTest.TIMEOUT);
  }

  @Test
  void aMemberIsServedWhilePeersHoldSilentStreams() throws Exception {
    NodeIdentity me = MembershipAndRecordTest.identity();
    FederationHandler handler = handler(me, Duration.ofMinutes(5));
    List<LocalStreams.Pair> silent = new ArrayList<>();
    List<String> attackers = List.of("attacker-1", "attacker-2", "attacker-3");
    for (String attacker : attackers) {
      for (int i = 0; i < 10; i++) {
        LocalStreams.Pair s = streams.open(attacker, me.peerId());
        handler.handle(s.listener());
        silent.add(s);
      }
    }
    Await.until(Duration.ofSeconds(20),
        () -> silent.stream().filter(s -> s.dialer().channel().isActive()).count() == 3L
            * FederationHandler.MAX_NEGOTIATING_PER_PEER,
        "the streams beyond each peer's share reset");
    for (String attacker : attackers) {
      assertEquals(FederationHandler.MAX_NEGOTIATING_PER_PEER, handler.negotiating(attacker));
    }

    NodeIdentity member = MembershipAndRecordTest.identity();
    MembershipDialogue dialer = member(member, dir.resolve("member"));
    LocalStreams.Pair s = streams.open(member.peerId(), me.peerId());
    handler.handle(s.listener());
    Frames f = new Frames(s.dialer(), MembershipDialogueTest.TIMEOUT, MembershipDialogue.DIALER_FRAMES);
    CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> {
      try {
        dialer.prove(me.peerId(), f, PeerTableSync.OPERATION);
        return f.read();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertEquals(42, answer.get(60, TimeUnit.SECONDS)[0], "the member's sync was answered");
    assertEquals(List.of(member.peerId() + " sync"), served);
    // ... while every silent stream in the proof is still open and counted
    assertEquals(3L * FederationHandler.MAX_NEGOTIATING_PER_PEER,
        silent.stream().filter(p -> p.listener().channel().isActive()).count());
    assertEquals(0, handler.negotiating(member.peerId()));
    f.close();
  }

  @Test
  void aSilentStreamEndsAtTheProofsTimeoutAndFreesItsPlace() throws Exception {
    NodeIdentity me = MembershipAndRecordTest.identity();
    FederationHandler handler = handler(me, Duration.ofSeconds(1));
    List<LocalStreams.Pair> silent = new ArrayList<>();
    for (int i = 0; i < FederationHandler.MAX_NEGOTIATING_PER_PEER; i++) {
      LocalStreams.Pair s = streams.open("attacker", me.peerId());
      handler.handle(s.listener());
      silent.add(s);
    }
    assertEquals(FederationHandler.MAX_NEGOTIATING_PER_PEER, handler.negotiating("attacker"));
    Await.until(Duration.ofSeconds(30), () -> silent.stream().noneMatch(s -> s.listener().channel().isActive()),
        "the silent streams closed at the timeout");
    Await.until(Duration.ofSeconds(30), () -> handler.negotiating("attacker") == 0, "their places freed");
    assertTrue(served.isEmpty());
  }

  @Test
  void freshPeerIdsTogetherHoldNoMoreThanTheTotalShare() throws Exception {
    NodeIdentity me = MembershipAndRecordTest.identity();
    FederationHandler handler = handler(me, Duration.ofMinutes(5));
    List<LocalStreams.Pair> silent = new ArrayList<>();
    int strangers = FederationHandler.MAX_NEGOTIATING + 6;
    for (int i = 0; i < strangers; i++) { // a new peer ID per stream, as a stranger can make at will
      LocalStreams.Pair s = streams.open("stranger-" + i, me.peerId());
      handler.handle(s.listener());
      silent.add(s);
    }
    Await.until(Duration.ofSeconds(20),
        () -> silent.stream().filter(s -> s.dialer().channel().isActive()).count() == FederationHandler.MAX_NEGOTIATING,
        "the streams beyond the total share reset");
    assertEquals(FederationHandler.MAX_NEGOTIATING, handler.negotiating());
    silent.forEach(s -> s.dialer().channel().close());
    Await.until(Duration.ofSeconds(30), () -> handler.negotiating() == 0, "their places freed when they close");
  }
}
