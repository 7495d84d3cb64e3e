package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * voip between node processes: a calls b with the media through relay node r; two phones (UDP
 * sockets sending RTP with increasing sequence numbers) talk both ways through r's ports, byte for
 * byte; the counters move; a stranger's packets to a latched port do not reach the other phone;
 * b's hangup ends the call at a, which has r free the ports. A second call through a's own relay, with no
 * media, is closed by the relay's idle timeout. A call to an unknown peer is refused with a reason.
 */
class VoipTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String NET = "voipnet:NetPass";
  private static final int PACKETS = 100;
  private static final String PID = "io.warren.voip";
  @TempDir Path dir;

  private static String relayConfig(int firstPort, int idleSeconds) {
    return "relay.enabled = true\nrelay.bind = 127.0.0.1\nrelay.address = 127.0.0.1\nrelay.ports = " + firstPort
        + "-" + (firstPort + 99) + "\nrelay.idle.timeout.seconds = " + idleSeconds
        + "\nrelay.max.packets.per.second = 2000\n";
  }

  /** A phone: one UDP socket on loopback sending 172-byte RTP packets (12-byte header, 160 bytes of G.711). */
  private static final class Phone implements AutoCloseable {
    final DatagramSocket socket;
    final InetSocketAddress relay;
    final Random random;
    final int ssrc;

    Phone(String relayEndpoint, int seed) throws SocketException {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      socket.setSoTimeout(20_000);
      int colon = relayEndpoint.lastIndexOf(':');
      relay = new InetSocketAddress(relayEndpoint.substring(0, colon),
          Integer.parseInt(relayEndpoint.substring(colon + 1)));
      random = new Random(seed);
      ssrc = seed;
    }

    byte[] send(int seq) throws Exception {
      byte[] p = new byte[172];
      random.nextBytes(p);
      ByteBuffer.wrap(p).put((byte) 0x80).put((byte) 0).putShort((short) seq).putInt(seq * 160).putInt(ssrc);
      socket.send(new DatagramPacket(p, p.length, relay));
      return p;
    }

    byte[] receive() throws Exception {
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      socket.receive(p);
      assertEquals(relay, p.getSocketAddress(), "media comes back from the port the phone sends to");
      return Arrays.copyOf(p.getData(), p.getLength());
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  private static String[] row(NodeProcess n, String id) throws Exception {
    Result r = n.client("voip:calls");
    assertEquals(0, r.exit(), r.toString());
    for (String line : r.out().split("\n")) {
      String[] c = line.strip().split("\\s+");
      if (c[0].equals(id)) {
        return c;
      }
    }
    return null;
  }

  private static String[] awaitRow(NodeProcess n, String id, java.util.function.Predicate<String[]> ok, String what)
      throws Exception {
    String[][] last = new String[1][];
    Await.until(WAIT, Duration.ofMillis(300), () -> {
      last[0] = row(n, id);
      return last[0] != null && ok.test(last[0]);
    }, what + " (last row: " + (last[0] == null ? "none" : String.join(" ", last[0])) + ")");
    return last[0];
  }

  private static void awaitGone(NodeProcess n, String id, String what) throws Exception {
    Await.until(WAIT, Duration.ofMillis(300), () -> row(n, id) == null, what);
  }

  /** Sends {@code PACKETS} from one phone and checks the other gets each, unchanged and in order. */
  private static void talk(Phone from, Phone to, int firstSeq) throws Exception {
    for (int i = 0; i < PACKETS; i++) {
      byte[] sent = from.send(firstSeq + i);
      assertArrayEquals(sent, to.receive(), "packet " + (firstSeq + i));
    }
  }

  @Test
  void callThroughARelayCarriesMediaBothWaysAndHangupFreesThePorts() throws Exception {
    try (Network net = new Network(dir, NET)) {
      NodeProcess r = net.member("r", PID, relayConfig(42000, 60));
      NodeProcess a = net.member("a", PID, relayConfig(43000, 2));
      NodeProcess b = net.member("b", PID, "");
      calls(r, a, b);
    }
  }

  private static void calls(NodeProcess r, NodeProcess a, NodeProcess b) throws Exception {

    Result unknown = a.client("voip:call", "--relay", "r", "nobody");
    assertNotEquals(0, unknown.exit(), unknown.toString());
    assertTrue(unknown.err().contains("nobody"), unknown.toString());

    Result call = a.awaitClient(WAIT, res -> res.exit() == 0, "voip:call", "--relay", "r", "b");
    String out = call.out().strip();
    assertTrue(out.startsWith("call "), out);
    String id = out.substring(5, 21);
    String mediaA = out.substring(out.lastIndexOf(' ') + 1);
    String[] atB = awaitRow(b, id, c -> c[1].equals("callee"), "b has the call");
    String mediaB = atB[4];
    assertNotEquals(mediaA, mediaB);
    String[] atR = awaitRow(r, id, c -> c[1].equals("relay"), "r relays the call");
    assertEquals(mediaA + "," + mediaB, atR[4]);

    try (Phone phoneA = new Phone(mediaA, 1); Phone phoneB = new Phone(mediaB, 2)) {
      // a's first packet latches leg a (b's leg has not latched: dropped); b's latches leg b and reaches a
      phoneA.send(0);
      byte[] hello = phoneB.send(0);
      assertArrayEquals(hello, phoneA.receive());
      talk(phoneA, phoneB, 1);
      talk(phoneB, phoneA, 1);

      String[] c = awaitRow(a, id, x -> x[2].equals("active") && !x[5].equals("-"), "a sees counters");
      assertEquals(String.valueOf(PACKETS + 1), c[5], "packets a's phone sent: " + String.join(" ", c));
      assertEquals(String.valueOf(PACKETS), c[7], "forwarded");
      assertEquals(String.valueOf((PACKETS + 1) * 172), c[6], "bytes a's phone sent");
      assertEquals("0", c[8], "lost");
      assertEquals(String.valueOf(PACKETS + 1), c[9], "packets that reached a's phone");
      assertEquals(String.valueOf((PACKETS + 1) * 172), c[10]);
      assertEquals("0", c[11]);

      // a stranger's packets to a's latched port go nowhere; a's own next packet still does
      try (Phone stranger = new Phone(mediaA, 3)) {
        for (int i = 0; i < 5; i++) {
          stranger.send(1000 + i);
        }
        byte[] marker = phoneA.send(PACKETS + 1);
        assertArrayEquals(marker, phoneB.receive(), "the next packet at b is a's, not the stranger's");
      }
      awaitRow(a, id, x -> x[12].equals("5"), "a sees the stranger's 5 packets dropped");
      r.awaitClient(WAIT, res -> res.out().lines().map(String::strip)
          .anyMatch(l -> l.matches("warren_voip_relay_packets_total\\{result=\"stranger\"\\}\\s+5(\\.0)?")),
          "node:metrics");

      // the callee hangs up: the caller is told and has the relay release the ports
      Result hangup = b.client("voip:hangup", id.substring(0, 6));
      assertEquals(0, hangup.exit(), hangup.toString());
      assertEquals(null, row(b, id));
      awaitGone(a, id, "a ended the call");
      awaitGone(r, id, "r closed the session");
    }
    // the relay's ports are free again
    for (String ep : new String[] {mediaA, mediaB}) {
      int port = Integer.parseInt(ep.substring(ep.lastIndexOf(':') + 1));
      Await.until(WAIT, Duration.ofMillis(200), () -> {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
          return true;
        } catch (SocketException e) {
          return false;
        }
      }, "port " + port + " free");
    }

    // a call through a's own relay with no media: the relay closes it after its idle timeout (2 s)
    Result own = a.client("voip:call", "b");
    assertEquals(0, own.exit(), own.toString());
    String idle = own.out().strip().substring(5, 21);
    awaitRow(b, idle, x -> x[1].equals("callee"), "b has the second call");
    awaitRow(a, idle, x -> x[2].equals("relay-closed"), "a's relay closed the idle call");
    awaitRow(b, idle, x -> x[2].equals("relay-unknown"), "b's relay (a) no longer knows it");
    assertEquals(0, a.client("voip:hangup", idle).exit(), "the caller hangs up");
    awaitGone(b, idle, "b ended the idle call");
  }
}
