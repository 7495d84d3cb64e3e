package io.warren.itests.attack;

import static io.warren.itests.attack.Libp2pAttacker.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.warren.itests.attack.Libp2pAttacker.Target;
import io.warren.itests.attack.Libp2pAttacker.Usage;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.TestEventLoops;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 2 on libp2p: connection slots. 300 TCP sockets from one address that never say a
 * word, each re-opened (after a second) as soon as the node closes it, for as long as the test runs.
 * A second node must still connect and ping. On loopback every client is 127.0.0.1, so the attacker
 * binds its sockets to 127.0.0.2 (Linux routes all of 127/8 to lo): the per-address limits then
 * tell it from the legitimate node on 127.0.0.1, as they would two hosts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Libp2pSlotAttackTest {
  static final int SOCKETS = 300;
  static final int MAX_OPENS = 20_000;

  @TempDir static Path dir;
  private NodeProcess node;
  private NodeProcess legit;
  private Target target;
  private final TestEventLoops loops = new TestEventLoops(1);

  @BeforeAll
  void start() throws Exception {
    node = NodeProcess.start(NodeProcess.installation(dir.resolve("a")), dir.resolve("a-data"));
    legit = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b-data"));
    node.awaitReady();
    legit.awaitReady();
    target = Target.of(node);
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

  /** Says nothing; a reset by the node just closes the socket. */
  @io.netty.channel.ChannelHandler.Sharable
  private static final class Quiet extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static final Quiet QUIET = new Quiet();

  /** One silent socket slot of the attacker: connect, say nothing, re-open a second after the node closes it. */
  private void silent(AtomicBoolean attacking, AtomicInteger opens, ConcurrentHashMap<Channel, Boolean> open) {
    if (!attacking.get() || opens.incrementAndGet() > MAX_OPENS) {
      return;
    }
    new Bootstrap().group(loops.group()).channel(loops.socketChannel()).handler(QUIET)
        .connect(target.address(), new InetSocketAddress("127.0.0.2", 0))
        .addListener((ChannelFutureListener) f -> {
          if (f.isSuccess()) {
            open.put(f.channel(), true);
            f.channel().closeFuture().addListener(c -> {
              open.remove(f.channel());
              loops.group().schedule(() -> silent(attacking, opens, open), 1, TimeUnit.SECONDS);
            });
          } else {
            loops.group().schedule(() -> silent(attacking, opens, open), 1, TimeUnit.SECONDS);
          }
        });
  }

  @Test
  void silentSocketsFromOneAddressDoNotLockOthersOut() throws Exception {
    Usage before = Usage.of(node);
    AtomicBoolean attacking = new AtomicBoolean(true);
    AtomicInteger opens = new AtomicInteger();
    ConcurrentHashMap<Channel, Boolean> open = new ConcurrentHashMap<>();
    for (int i = 0; i < SOCKETS; i++) {
      silent(attacking, opens, open);
    }
    try {
      Await.until(TIMEOUT, () -> opens.get() >= SOCKETS, "the attacker's first " + SOCKETS + " connects");
      Usage under = Usage.of(node);
      NodeProcess.Result ping = legit.client("p2p:ping", "-c", "3", target.multiaddr());
      NodeProcess.Result limits = node.client("p2p:limits");
      System.out.println("[attack] libp2p " + SOCKETS + " silent sockets from 127.0.0.2: before " + before
          + "; under attack " + under + "; attacker sockets open now " + open.size() + ", opened so far "
          + opens.get() + "\n[attack] legitimate p2p:ping during it: exit " + ping.exit() + " "
          + ping.out().strip().replace('\n', '|') + ping.err().strip() + "\n[attack] p2p:limits:\n" + limits.out());
      assertEquals(0, ping.exit(), "the legitimate node connects and pings during the attack: " + ping);
      assertTrue(ping.out().contains("seq=3"), ping.out());
      long[] perIp = row(limits.out(), "transient per ip");
      assertTrue(perIp[0] <= 8 && perIp[1] == 8 && perIp[2] > 0,
          "the attacker holds at most its transient share, 8 slots, and the rest are refused: " + limits.out());
      assertTrue(limits.out().lines().anyMatch(l -> l.startsWith("transient ip 127.0.0.2 ")), limits.out());
      Await.until(TIMEOUT, () -> opens.get() >= SOCKETS + 100, "the attacker to re-open sockets the node closed");
      NodeProcess.Result again = legit.client("p2p:ping", "-c", "1", target.multiaddr());
      assertEquals(0, again.exit(), "still served while the attacker re-opens: " + again);
      System.out.println("[attack] libp2p silent sockets: after " + opens.get() + " opens, node at " + Usage.of(node));
    } finally {
      attacking.set(false);
      open.keySet().forEach(Channel::close);
    }
  }

  /** USED, LIMIT and REFUSED of the {@code p2p:limits} line of {@code scope}. */
  private static long[] row(String table, String scope) {
    String line = table.lines().filter(l -> l.startsWith(scope + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("no " + scope + " line in:\n" + table));
    String[] t = line.substring(scope.length()).strip().split("\\s+"); // resource, used, limit, refused
    return new long[] {Long.parseLong(t[1]), Long.parseLong(t[2]), Long.parseLong(t[3])};
  }
}
