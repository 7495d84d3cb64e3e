package io.warren.itests;

import static io.warren.itests.VoipTest.awaitRow;
import static io.warren.itests.VoipTest.idOf;
import static io.warren.itests.VoipTest.mediaOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call whose connection goes from relayed to direct while the media flows, between node processes
 * of one network on loopback. p listens; q listens nowhere, so p reaches q only through r's circuit
 * relay, and q cannot dial p (it dials no member's loopback address: {@code local.network = false}).
 * DCUtR is off on both, so the connection stays relayed until q's operator runs {@code p2p:upgrade}
 * for p: q dials p's listen address, p's node moves the call's media stream to the direct
 * connection, and the phone at q keeps getting p's phone's packets in order, missing only those q's
 * node counted as lost.
 */
class VoipUpgradeTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PID = "io.warren.voip";
  private static final String LIBP2P = "io.warren.libp2p";
  private static final String NO_DCUTR = "dcutr.enabled = false\n";
  /** Packets the phone gets before the upgrade, and again after the media stream went direct. */
  private static final int BATCH = 50;
  @TempDir Path dir;

  @Test
  void aRelayedCallUpgradedToDirectMidCallKeepsFlowing() throws Exception {
    try (Network net = new Network(dir, "upnet:NetPass")) {
      NodeProcess r = net.member("r", PID, "");
      // p relays for nobody (else q would take p as its second relay and dial it directly to reserve)
      // and asks nobody to dial it back (else q, an AutoNAT server, would dial it directly to check)
      NodeProcess p = net.member("p", Map.of(PID, "media.ports = 43400-43499\n", LIBP2P,
          NO_DCUTR + "relay.hop.members = false\nreachability = public\n"));
      // q dials no member's loopback address (its circuit address through r would make it count as
      // a node of a loopback network), so it reaches p only through connections p opened
      NodeProcess q = net.member("q", Map.of(PID, "media.ports = 43500-43599\n",
          LIBP2P, "listen.addresses =\n" + NO_DCUTR, "io.warren.federation", "local.network = false\n"));
      String pId = p.banner("peer ID");
      String qId = q.banner("peer ID");
      p.awaitClient(WAIT, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"), "net:nodes");

      try (VoipTest.Phone a = new VoipTest.Phone(51); VoipTest.Phone b = new VoipTest.Phone(52)) {
        Result call = p.awaitClient(WAIT, res -> res.exit() == 0, "voip:call", "--endpoint", a.local(), "q");
        String id = idOf(call);
        a.to(mediaOf(call));
        awaitRow(q, id, x -> x[2].equals("ringing"), "q rings");
        Result answer = q.client("voip:answer", id);
        assertEquals(0, answer.exit(), answer.toString());
        b.to(mediaOf(answer));
        awaitRow(p, id, x -> x[2].equals("active") && x[5].equals("relayed"), "p's call is up, relayed");
        byte[] hello = b.send(0); // latches q's port onto b
        assertArrayEquals(hello, a.receive());

        List<Integer> got = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        b.socket.setSoTimeout(200);
        Thread receiver = new Thread(() -> {
          DatagramPacket d = new DatagramPacket(new byte[2048], 2048);
          while (!stop.get()) {
            try {
              b.socket.receive(d);
              synchronized (got) {
                got.add(ByteBuffer.wrap(d.getData()).getShort(2) & 0xFFFF);
              }
            } catch (SocketTimeoutException e) {
              // look at stop again
            } catch (Exception e) {
              return;
            }
          }
        }, "phone-b");
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread sender = new Thread(() -> {
          try {
            for (int seq = 1; sending.get() && seq < 60_000; seq++) {
              a.send(seq);
              sent.set(seq);
              Thread.sleep(20); // a phone's pacing: 20 ms of G.711 a packet
            }
          } catch (Exception e) {
            // the socket closed: the test is over
          }
        }, "phone-a");
        receiver.start();
        sender.start();
        try {
          Await.until(WAIT, Duration.ofMillis(100), () -> size(got) >= BATCH, "q's phone gets packets relayed");
          assertTrue(json(p, id).contains("\"path\":\"relayed\""), "p's media path before the upgrade");
          assertTrue(json(q, id).contains("\"path\":\"relayed\""), "q's media path before the upgrade");

          Result upgrade = q.client("p2p:upgrade", pId);
          assertEquals(0, upgrade.exit(), upgrade.toString());
          assertTrue(upgrade.out().matches("(?s).*path\\s+direct.*"), upgrade.toString());
          awaitRow(p, id, x -> x[5].equals("direct"), "p's media stream went direct");
          awaitRow(q, id, x -> x[5].equals("direct"), "q's side follows the stream p opened");
          int atSwitch = size(got);
          Await.until(WAIT, Duration.ofMillis(100), () -> size(got) >= atSwitch + BATCH,
              "q's phone gets packets over the direct connection");
        } finally {
          sending.set(false);
          sender.join(5_000);
        }
        int last = sent.get();
        // every packet p's phone sent is either at q's phone or counted lost by q's node
        String[] atQ = awaitRow(q, id, x -> Long.parseLong(x[11]) + Long.parseLong(x[13]) == last
            && Long.parseLong(x[11]) == size(got), "q's node accounted for all " + last + " packets");
        stop.set(true);
        receiver.join(5_000);
        List<Integer> seqs;
        synchronized (got) {
          seqs = List.copyOf(got);
        }
        for (int i = 1; i < seqs.size(); i++) {
          assertTrue(seqs.get(i) > seqs.get(i - 1), "in order at " + i + ": " + seqs.get(i - 1) + " then "
              + seqs.get(i));
        }
        assertEquals(last, seqs.get(seqs.size() - 1), "the last packet arrived");
        System.out.printf("VoipUpgradeTest: %d packets sent, %d received in order, %s counted lost by q%n", last,
            seqs.size(), atQ[13]);
        assertEquals(last - seqs.size(), Long.parseLong(atQ[13]), "packets missing at q's phone: those q counted");
        String[] atP = awaitRow(p, id, x -> x[7].equals(String.valueOf(last)), "p counted every packet sent");
        assertEquals("0", atP[9], "none lost between phone a and p's node");
        assertEquals("active", atP[2]);
        assertEquals("active", atQ[2]);
        assertTrue(json(p, id).contains("\"path\":\"direct\""), "p's media path after the upgrade");
        assertTrue(
            p.client("p2p:peers").out().lines()
                .anyMatch(l -> l.startsWith(qId) && io.warren.testing.NatTrial.directPath(l)),
            "p has a direct connection to q");
        assertEquals(0, p.client("voip:hangup", id).exit());
        awaitRow(q, id, x -> x[2].equals("hungup"), "q was told of the hangup");
      }
    }
  }

  private static int size(List<Integer> got) {
    synchronized (got) {
      return got.size();
    }
  }

  /** The call's object in {@code voip:calls --json}. */
  private static String json(NodeProcess n, String id) throws Exception {
    Result r = n.client("voip:calls", "--json");
    assertEquals(0, r.exit(), r.toString());
    Matcher m = Pattern.compile("\\{\"id\":\"" + id + "\".*?\"dropped\"").matcher(r.out());
    assertTrue(m.find(), "call " + id + " in " + r.out());
    return m.group();
  }
}
