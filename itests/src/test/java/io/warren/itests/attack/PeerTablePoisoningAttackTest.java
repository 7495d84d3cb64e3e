package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.Stream;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.testing.NodeProcess;
import io.warren.testing.TestEventLoops;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 7: peer table poisoning. An insider (it knows the network password, so it passes
 * the membership proof) hands a node a table of 150 records of freshly minted keys, one record
 * without a membership tag, and addresses on the node's own loopback (a TCP port standing for a
 * local service). The node, configured as on a public network ({@code local.network = false}),
 * takes at most the insider's share of records, none untagged, and never dials the loopback
 * addresses; a member with a proper record joins meanwhile.
 */
class PeerTablePoisoningAttackTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final int SYBILS = 150;
  private static final int SHARE = 20;
  @TempDir Path dir;

  @Test
  void anInsiderCannotFloodOrRedirectTheTable() throws Exception {
    Path tHome = NodeProcess.installation(dir.resolve("t"), "t");
    NodeProcess.configure(tHome, "io.warren.federation",
        "local.network = false\nmax.records.per.source = " + SHARE + "\n");
    AtomicInteger dialedLocal = new AtomicInteger();
    try (ServerSocket localService = new ServerSocket();
        NodeProcess t = NodeProcess.startMember(tHome, dir.resolve("t/data"), "net:NetPass", "admin:TAdmin", null)) {
      localService.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread acceptor = new Thread(() -> {
        while (!localService.isClosed()) {
          try (Socket s = localService.accept()) {
            dialedLocal.incrementAndGet();
          } catch (Exception e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      String tId = t.banner("peer ID");
      Multiaddr tAddr = Multiaddr.fromString(t.client("p2p:addrs").out().strip().split("\n")[0].strip());
      NodeProcess m = NodeProcess.start(NodeProcess.installation(dir.resolve("m"), "m"), dir.resolve("m/data"), "-dnc",
          "net:NetPass", "-rc", "admin:MAdmin", "-bs", t.identity());
      TestEventLoops loops = new TestEventLoops(1);
      Host insider = FederationWire.host(loops);
      try (m) {
        byte[] key = FederationWire.networkKey("net", "NetPass");
        String me = insider.peerId().toString();
        String local = "/ip4/127.0.0.1/tcp/" + localService.getLocalPort();
        List<byte[]> records = new ArrayList<>();
        List<String> sybils = new ArrayList<>();
        for (int i = 0; i < SYBILS; i++) {
          FederationWire.Key k = FederationWire.Key.generate();
          sybils.add(k.peerId());
          records.add(k.record("net", "sybil" + i, List.of(local + "/p2p/" + k.peerId()), key));
        }
        FederationWire.Key untagged = FederationWire.Key.generate();
        records.add(untagged.record("net", "untagged", List.of(local), null));

        Connection c = insider.connect(tAddr).get(20, TimeUnit.SECONDS);
        Stream s = insider.newStream(c, FederationWire.PROTOCOL).get(20, TimeUnit.SECONDS);
        BlockingQueue<byte[]> inbox = FederationWire.frames(s);
        byte[] result = FederationWire.dialerProof(s, inbox, "net", me, tId, key);
        assertEquals(0, result[0], "the insider passes the membership proof");
        FederationWire.send(s, new byte[] {0});
        FederationWire.send(s, FederationWire.msg(w -> {
          w.writeInt(records.size());
          for (byte[] r : records) {
            FederationWire.bytes(w, r);
          }
        }));
        assertTrue(inbox.poll(20, TimeUnit.SECONDS) != null, "the node answers with its table");

        String warn = "over its share of " + SHARE;
        t.awaitClient(SYNC, o -> o.out().contains(sybils.get(0)), "net:nodes");
        io.warren.testing.Await.until(SYNC, () -> t.err().contains(warn) && t.err().contains("membership tag"),
            "the log lines about the refused records");
        String nodes = t.client("net:nodes").out();
        long taken = sybils.stream().filter(nodes::contains).count();
        System.out.printf("peer table poisoning: %d minted records sent, %d taken (share %d), untagged taken: %s,"
            + " loopback dials: %d%n", SYBILS, taken, SHARE, nodes.contains(untagged.peerId()), dialedLocal.get());
        assertEquals(SHARE, taken, "the insider's share of the table");
        assertFalse(nodes.contains(untagged.peerId()), "a record without a membership tag");

        // the node tries to sync with the members it took, and finds no address it may dial
        io.warren.testing.Await.until(SYNC, () -> t.err().contains("cannot sync with " + sybils.get(0)),
            "a sync attempt with a planted member");
        assertEquals(0, dialedLocal.get(), "the node dialed a loopback address a record named");

        // the legitimate member joined meanwhile
        m.awaitReady();
        String mId = m.banner("peer ID");
        t.awaitClient(SYNC, o -> o.out().contains(mId), "net:nodes");
        m.awaitClient(SYNC, o -> o.out().contains(tId), "net:nodes");
        s.channel().close();
      } finally {
        insider.close();
        loops.close();
      }
    }
  }
}
