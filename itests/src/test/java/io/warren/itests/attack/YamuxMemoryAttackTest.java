package io.warren.itests.attack;

import static io.warren.itests.attack.Libp2pAttacker.TIMEOUT;
import static io.warren.itests.attack.Libp2pAttacker.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.warren.itests.attack.Libp2pAttacker.Target;
import io.warren.itests.attack.Libp2pAttacker.Usage;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.TestEventLoops;
import io.warren.yamux.YamuxFrame;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 1 on libp2p: memory a stranger can make a node hold before flow control. Each
 * attacker completes Noise and Yamux, then announces a 16 MiB data frame (64 times the stream's
 * receive window) and sends its body as fast as the node takes it; others ping without ever
 * reading the answers. The node must close each such connection (on the frame's header, before
 * buffering its body; at the control-frame backlog) while a second node pings it over libp2p.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YamuxMemoryAttackTest {
  static final int ATTACKERS = 24;
  static final int FRAME = 16 << 20;
  static final ByteBuf ZEROS = Unpooled.unreleasableBuffer(Unpooled.directBuffer(64 * 1024).writeZero(64 * 1024));

  @TempDir static Path dir;
  private NodeProcess node;
  private NodeProcess legit;
  private Target target;
  private final TestEventLoops loops = new TestEventLoops(2);

  @BeforeAll
  void start() throws Exception {
    node = NodeProcess.start(NodeProcess.installation(dir.resolve("a")), dir.resolve("a-data"));
    legit = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b-data"));
    node.awaitReady();
    legit.awaitReady();
    target = Target.of(node);
    assertLegitPingServed("before the attack");
  }

  @AfterAll
  void stop() throws Exception {
    loops.close();
    for (NodeProcess n : new NodeProcess[] {node, legit}) {
      if (n != null) {
        n.stop();
      }
    }
  }

  private void assertLegitPingServed(String when) throws Exception {
    NodeProcess.Result r = legit.client("p2p:ping", "-c", "3", target.multiaddr());
    System.out.println("[attack] legitimate p2p:ping " + when + ": " + r.out().strip().replace('\n', '|'));
    assertEquals(0, r.exit(), "the legitimate peer is served " + when + ": " + r);
    assertTrue(r.out().contains("seq=3"), r.out());
  }

  /** Announces a 16 MiB frame on a new stream, then sends its body (all but the last byte) as the node takes it. */
  private static CompletableFuture<Void> announceAndSend(Channel ch) {
    CompletableFuture<Void> sentOrClosed = new CompletableFuture<>();
    ch.closeFuture().addListener(f -> sentOrClosed.complete(null));
    ch.writeAndFlush(header(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1, FRAME));
    sendBody(ch, FRAME - 1, sentOrClosed);
    return sentOrClosed;
  }

  private static void sendBody(Channel ch, int left, CompletableFuture<Void> done) {
    if (left == 0) {
      done.complete(null); // the last byte is withheld: the node waits for it with the rest buffered
      return;
    }
    int n = Math.min(left, ZEROS.capacity());
    ch.writeAndFlush(ZEROS.retainedSlice(0, n)).addListener(f -> {
      if (f.isSuccess()) {
        sendBody(ch, left - n, done);
      } else {
        done.complete(null);
      }
    });
  }

  @Test
  void dataFramesAboveTheWindowAreRefusedOnTheirHeader() throws Exception {
    Usage before = Usage.of(node);
    AtomicBoolean attacking = new AtomicBoolean(true);
    AtomicInteger opened = new AtomicInteger();
    List<Channel> all = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> firstWave = new CompletableFuture<>();
    Thread attacker = new Thread(() -> {
      try {
        for (int wave = 0; wave < 20 && attacking.get(); wave++) {
          if (wave > 0 && all.stream().anyMatch(Channel::isActive)) {
            // the next wave re-opens connections the node closed; while it holds them, they hold the memory
            Await.until(TIMEOUT.multipliedBy(5), () -> !attacking.get(), "the test to stop the attack");
            break;
          }
          List<CompletableFuture<Void>> sends = new ArrayList<>();
          for (int i = 0; i < ATTACKERS; i++) {
            // one loopback address per attacker, so the per-address connection limits play no part here
            Channel ch = Libp2pAttacker.secure(loops, target, "127.0.0." + (10 + i));
            opened.incrementAndGet();
            all.add(ch);
            sends.add(announceAndSend(ch));
          }
          CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(TIMEOUT.toSeconds() * 4,
              java.util.concurrent.TimeUnit.SECONDS);
          firstWave.complete(null);
        }
      } catch (Exception | AssertionError e) {
        firstWave.completeExceptionally(e);
      }
    }, "yamux-attacker");
    attacker.start();
    firstWave.get(TIMEOUT.toSeconds() * 5, java.util.concurrent.TimeUnit.SECONDS);
    Usage under = Usage.of(node);
    long stillOpen = all.stream().filter(Channel::isActive).count();
    System.out.println("[attack] yamux 16 MiB frames x " + ATTACKERS + ": before " + before + "; under attack "
        + under + "; attacker connections still open after sending: " + stillOpen + " of " + all.size());
    assertLegitPingServed("during the attack (wave after wave of attackers)");
    attacking.set(false);
    attacker.join(TIMEOUT.toMillis() * 5);
    Usage after = Usage.of(node);
    System.out.println("[attack] yamux 16 MiB frames: after " + after + "; attacker connections: " + opened.get());

    Await.until(TIMEOUT, () -> all.stream().noneMatch(Channel::isActive), "the node to close every attacker");
    assertTrue(node.err().contains("yamux: window overflow: stream 1 announced a 16777216-byte data frame with only "
        + "262144 bytes left in its receive window"), "the node says why it closed them");
    assertTrue(under.rssMb() < 400, "24 x 16 MiB announced must not be buffered: " + under);
  }

  @Test
  void pingsWhoseAnswersAreNeverReadCloseTheConnection() throws Exception {
    Usage before = Usage.of(node);
    Channel ch = Libp2pAttacker.secure(loops, target, "127.0.0.9");
    ch.config().setAutoRead(false); // never reads the node's answers
    ByteBuf batch = Unpooled.buffer(5000 * 12);
    for (int i = 0; i < 5000; i++) {
      YamuxFrame.writeHeader(batch, YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, i);
    }
    int sent = 0;
    for (int i = 0; i < 400 && ch.isActive(); i++) { // at most 2 million pings
      if (!ch.writeAndFlush(batch.retainedDuplicate()).awaitUninterruptibly(TIMEOUT.toMillis())) {
        break; // the node stopped reading us
      }
      sent += 5000;
    }
    Usage under = Usage.of(node);
    System.out.println("[attack] yamux ping flood, answers never read: before " + before + "; under attack " + under
        + "; pings sent " + sent + "; connection open: " + ch.isActive());
    assertLegitPingServed("during the ping flood");
    assertTrue(ch.closeFuture().awaitUninterruptibly(TIMEOUT.toMillis()), "the node closes the flooding connection");
    Await.until(TIMEOUT, () -> node.err().contains("control frames (ping answers, window updates, ACKs, resets) "
        + "wait for the peer to read; it does not"), "the node's log line about the control backlog");
    assertTrue(under.rssMb() < 400, "unanswered pings must not pile up: " + under);
    batch.release();
  }
}
