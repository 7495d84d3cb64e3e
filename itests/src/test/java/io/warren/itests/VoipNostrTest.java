package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.itests.VoipTest.Phone;
import io.warren.nostr.Event;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.testing.Await;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls with Nostr devices, signalled as signed events on node n's relay: nostr-tools devices
 * (A, B, C, named in n's device.allow) and "phones" (UDP sockets sending 172-byte RTP, compared byte
 * for byte and in order). A calls B through n's two port pairs; a malformed request and a call to
 * an unknown device are answered with error events while the call goes on; a stranger's flood to
 * A's leg is dropped; the console calls B by its npub and hangs up; C calls node q of n's network,
 * its leg bridged to the libp2p call n places for it; q's console calls B at n ({@code --via n}),
 * B's leg bridged into q's call at n; a device n does not know is refused at q's console.
 */
class VoipNostrTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int PACKETS = 100;
  private static final String KEY_A = "00000000000000000000000000000000000000000000000000000000000000a1";
  private static final String KEY_B = "00000000000000000000000000000000000000000000000000000000000000b2";
  private static final String KEY_C = "00000000000000000000000000000000000000000000000000000000000000c3";
  private static final String UNKNOWN = "00000000000000000000000000000000000000000000000000000000000000d4";
  /**
   * The phones send in lockstep, as fast as each packet comes back: far above a voice call's rate, so
   * the byte cap (512 kbit/s, a quarter second of burst) would drop some of 100 on an idle machine.
   * The cap has its tests (DeviceCallsTest, OverlayMediaTest); here it is set out of the way.
   */
  private static final String UNCAPPED = "media.max.kbps = 100000\n";
  @TempDir Path dir;

  private static String pubkey(String secretHex) {
    return Event.sign(HexFormat.of().parseHex(secretHex), 0, 1, List.of(), "").pubkey();
  }

  /** A nostr-tools device ({@code nostr-voip-device.mjs}): commands on its stdin, what it heard in a file. */
  private static final class Device implements AutoCloseable {
    final String name;
    final Process process;
    final Path out;
    final Writer in;
    int serial;

    Device(Path dir, String name, String url, String secret, String nodeNpub) throws Exception {
      this.name = name;
      Path itests = Path.of(System.getProperty("warren.itests.dir"));
      out = dir.resolve("device-" + name + ".out");
      process = new ProcessBuilder("node", "--experimental-websocket", "--no-warnings",
          itests.resolve("src/test/js/nostr-voip-device.mjs").toString(), url, secret, nodeNpub)
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      awaitLine(l -> l.equals("subscribed"), "its subscription's EOSE");
    }

    List<String> lines() throws IOException {
      return Files.exists(out) ? Files.readAllLines(out, StandardCharsets.UTF_8) : List.of();
    }

    String awaitLine(java.util.function.Predicate<String> ok, String what) throws Exception {
      String[] found = new String[1];
      try {
        Await.until(WAIT, () -> {
          for (String l : lines()) {
            if (l.startsWith("FAIL")) {
              throw new AssertionError("device " + name + ": " + l);
            }
            if (ok.test(l)) {
              found[0] = l;
              return true;
            }
          }
          return false;
        }, "device " + name + ": " + what);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\n" + String.join("\n", lines()), e);
      }
      return found[0];
    }

    /** Publishes an event dated {@code skew} seconds from now; returns its id once the relay said OK. */
    String publish(int kind, int skew, String tags, String content) throws Exception {
      int n = ++serial;
      in.write("publish " + n + " " + kind + " " + skew + " " + tags + " " + content + "\n");
      in.flush();
      String line = awaitLine(l -> l.startsWith("published " + n + " ") || l.startsWith("refused " + n + " "),
          "the relay's OK for event " + n);
      assertTrue(line.startsWith("published"), line);
      return line.split(" ")[2];
    }

    /** The first event of {@code kind} heard whose line holds {@code part}. */
    String awaitEvent(int kind, String part) throws Exception {
      return awaitLine(l -> l.startsWith("event " + kind + " ") && l.contains(part),
          "an event of kind " + kind + " with " + part);
    }

    @Override
    public void close() throws Exception {
      try {
        in.write("quit\n");
        in.flush();
      } catch (IOException e) {
        // it ended already
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static String tag(String eventLine, String name) {
    Matcher m = Pattern.compile(" " + name + "=(\\S+)").matcher(eventLine);
    assertTrue(m.find(), "no " + name + " in " + eventLine);
    return m.group(1);
  }

  private static String content(String eventLine) {
    return eventLine.substring(eventLine.indexOf(" | ") + 3);
  }

  /** The first row of {@code n}'s voip:calls that {@code ok} takes, waited for. */
  private static String[] anyRow(NodeProcess n, java.util.function.Predicate<String[]> ok, String what)
      throws Exception {
    String[][] found = new String[1][];
    Result[] last = new Result[1];
    try {
      Await.until(WAIT, Duration.ofMillis(300), () -> {
        last[0] = n.client("voip:calls");
        for (String line : last[0].out().split("\n")) {
          String[] c = line.strip().split("\\s+");
          if (ok.test(c)) {
            found[0] = c;
            return true;
          }
        }
        return false;
      }, what);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + " (last: " + last[0] + ")", e);
    }
    return found[0];
  }

  /** Sends {@code PACKETS} from one phone and checks the other gets each, unchanged and in order. */
  private static void talk(Phone from, Phone to, int firstSeq) throws Exception {
    for (int i = 0; i < PACKETS; i++) {
      byte[] sent = from.send(firstSeq + i);
      assertArrayEquals(sent, to.receive(), "packet " + (firstSeq + i));
    }
  }

  /**
   * Points the phones at their ports and has them talk. {@code first} speaks first: its port latches
   * onto it, and the other port, latched onto nobody yet, drops the packet ({@code dropper}'s row of
   * call {@code id} counts it); then {@code second}'s first packet reaches {@code first}, and
   * {@code PACKETS} go each way, each compared.
   */
  private static void latchAndTalk(Phone first, String firstPort, Phone second, String secondPort,
      NodeProcess dropper, String id, String what) throws Exception {
    first.to(firstPort);
    second.to(secondPort);
    first.send(0);
    VoipTest.awaitRow(dropper, id, x -> x[18].equals("1"), what + ": the first packet dropped, nothing latched yet");
    byte[] hello = second.send(0);
    assertArrayEquals(hello, first.receive(), what + ": the second phone's first packet");
    talk(first, second, 1);
    talk(second, first, 1);
  }

  @Test
  void devicesCallEachOtherTheConsoleAndANodeThroughTheNode() throws Exception {
    String a = pubkey(KEY_A);
    String b = pubkey(KEY_B);
    String c = pubkey(KEY_C);
    int relayPort = NodeProcess.freePort();
    List<AutoCloseable> open = new ArrayList<>();
    try (Network net = new Network(dir, "voipnostr:NetPass")) {
      NodeProcess n = net.member("n", Map.of("io.warren.nostr.relay", "enabled = true\nport = " + relayPort
          + "\ndevice.allow = " + a + ", " + b + ", " + c + "\n",
          "io.warren.voip", "media.ports = 43100-43199\nmax.calls.per.device = 2\n" + UNCAPPED));
      NodeProcess q = net.member("q", "io.warren.voip", "media.ports = 43200-43299\nanswer.auto = true\n" + UNCAPPED);
      String npub = n.client("node:info").out().replaceAll("(?s).*\\b(npub1[0-9a-z]+).*", "$1");
      String url = "ws://127.0.0.1:" + relayPort;
      Device da = new Device(dir, "a", url, KEY_A, npub);
      open.add(da);
      String node = da.awaitLine(l -> l.startsWith("node "), "the node's key").substring(5);
      Device db = new Device(dir, "b", url, KEY_B, npub);
      open.add(db);
      Device dc = new Device(dir, "c", url, KEY_C, npub);
      open.add(dc);

      // A calls B: ringing to A, the request to B (signed by n), B accepts, each is told its leg
      String request = da.publish(25920, 0, "[[\"p\",\"" + b + "\"],[\"codecs\",\"opus,pcmu\"]]", "");
      String call = request.substring(0, 16);
      da.awaitEvent(25921, "call=" + call);
      String incoming = db.awaitEvent(25920, "call=" + call);
      assertEquals(a, tag(incoming, "from"));
      assertEquals("opus,pcmu", tag(incoming, "codecs"));
      db.publish(25922, 0, "[[\"p\",\"" + node + "\"],[\"call\",\"" + call + "\"],[\"codec\",\"pcmu\"]]", "");
      String legA = tag(da.awaitEvent(25922, "call=" + call), "rtp");
      String legB = tag(db.awaitEvent(25922, "call=" + call), "rtp");
      String[] row = VoipTest.awaitRow(n, call, x -> x[2].equals("active"), "n carries the call");
      assertEquals("relay pcmu device " + legA + "," + legB, String.join(" ", row[1], row[4], row[5], row[6]));

      try (Phone pa = new Phone(21); Phone pb = new Phone(22)) {
        latchAndTalk(pa, legA, pb, legB, n, call, "A and B through n's legs");
        row = VoipTest.awaitRow(n, call, x -> x[7].equals(String.valueOf(PACKETS + 1))
            && x[11].equals(String.valueOf(PACKETS + 1)), "n's counters of both legs");
        assertEquals(String.valueOf((PACKETS + 1) * 172), row[8], "bytes A's phone sent: " + String.join(" ", row));
        assertEquals("0", row[9], "lost from A");
        assertEquals("0", row[13], "lost from B");

        // a malformed request and a call to an unknown device: error events back, the call goes on
        String bad = da.publish(25920, 0, "[[\"p\",\"" + b + "\"],[\"codecs\",\"pc mu\"]]", "");
        assertTrue(content(da.awaitEvent(25924, "e=" + bad)).startsWith("voip: malformed: [\"codecs\", ...]"));
        String unknown = da.publish(25920, 0, "[[\"p\",\"" + pubkey(UNKNOWN) + "\"],[\"codecs\",\"pcmu\"]]", "");
        assertTrue(content(da.awaitEvent(25924, "e=" + unknown)).startsWith("voip: unknown device nostr:"
            + pubkey(UNKNOWN)));
        String stale = da.publish(25923, -900, "[[\"p\",\"" + node + "\"],[\"call\",\"" + call + "\"]]", "");
        assertTrue(content(da.awaitEvent(25924, "e=" + stale)).contains("created_at is more than 600 s"));

        // a stranger floods A's leg: nothing of it reaches B's phone, and the call goes on
        VoipTest.strangerFloods(legA, pa, pb);
        VoipTest.awaitRow(n, call, x -> x[2].equals("active") && x[15].equals("200"),
            "n counts the stranger's 200 packets dropped");
      }
      da.publish(25923, 0, "[[\"p\",\"" + node + "\"],[\"call\",\"" + call + "\"]]", "done");
      assertEquals("hungup", tag(db.awaitEvent(25923, "call=" + call), "reason"));
      VoipTest.awaitRow(n, call, x -> x[2].equals("hungup"), "n ended the call");

      // the console calls B by its npub; B accepts; the console hangs up
      Result console = n.client("voip:call", TunnelWire.npub(b));
      assertEquals(0, console.exit(), console.toString());
      String toB = VoipTest.idOf(console);
      assertEquals(node, tag(db.awaitEvent(25920, "call=" + toB), "from"));
      db.publish(25922, 0, "[[\"p\",\"" + node + "\"],[\"call\",\"" + toB + "\"]]", "");
      db.awaitEvent(25922, "call=" + toB);
      VoipTest.awaitRow(n, toB, x -> x[1].equals("caller") && x[2].equals("active") && x[6].startsWith("127.0.0.1:"),
          "the console's call is up");
      assertEquals(0, n.client("voip:hangup", toB.substring(0, 6)).exit());
      assertEquals("hungup", tag(db.awaitEvent(25923, "call=" + toB), "reason"));

      // C calls node q of the network: n places a libp2p call for it (q answers on its own) and
      // tells C the port pair of that call; q's phone latches on q's side
      String bridged = dc.publish(25920, 0, "[[\"p\",\"" + node + "\"],[\"codecs\",\"pcmu\"],[\"peer\",\"q\"]]", "")
          .substring(0, 16);
      dc.awaitEvent(25921, "call=" + bridged);
      String legC = tag(dc.awaitEvent(25922, "call=" + bridged), "rtp");
      String[] qRow = anyRow(q, x -> x[1].equals("callee") && x[2].equals("active") && x[6].startsWith("127.0.0.1:"),
          "q answered n's call");
      anyRow(n, x -> x[1].equals("caller") && x[2].equals("active") && x[5].equals("direct"),
          "n's media stream to q is open");
      try (Phone pc = new Phone(31); Phone pq = new Phone(32)) {
        latchAndTalk(pc, legC, pq, qRow[6], q, qRow[0], "C and q through n's call to q");
      }
      dc.publish(25923, 0, "[[\"p\",\"" + node + "\"],[\"call\",\"" + bridged + "\"]]", "");
      VoipTest.awaitRow(q, qRow[0], x -> x[2].equals("hungup"), "q was told C hung up");

      // q's console calls device B at n (--via n): n rings B (from n, peer q), B accepts, and n
      // bridges B's leg into q's libp2p call, the same way as C's; both rows name B; B hangs up
      Result viaN = q.client("voip:call", "--via", "n", TunnelWire.npub(b));
      assertEquals(0, viaN.exit(), viaN.toString());
      String toB2 = VoipTest.idOf(viaN);
      String ringB = db.awaitEvent(25920, "call=" + toB2);
      assertEquals(node, tag(ringB, "from"));
      assertTrue(tag(ringB, "peer").startsWith("12D3KooW"), ringB);
      assertEquals("nostr:" + b, VoipTest.awaitRow(q, toB2, x -> x[2].equals("ringing"), "q rings B")[23]);
      db.publish(25922, 0, "[[\"p\",\"" + node + "\"],[\"call\",\"" + toB2 + "\"],[\"codec\",\"pcmu\"]]", "");
      String legB2 = tag(db.awaitEvent(25922, "call=" + toB2), "rtp");
      String[] nRow = VoipTest.awaitRow(n, toB2, x -> x[1].equals("callee") && x[2].equals("active"),
          "n answered q's call for B");
      assertEquals("pcmu " + legB2 + " nostr:" + b, String.join(" ", nRow[4], nRow[6], nRow[23]),
          "n's bridged row: B's leg is the call's own port pair, and names B");
      String[] qCall = VoipTest.awaitRow(q, toB2, x -> x[2].equals("active") && x[5].equals("direct"),
          "q's media stream to n is open");
      try (Phone pq = new Phone(41); Phone pb = new Phone(42)) {
        latchAndTalk(pq, qCall[6], pb, legB2, n, toB2, "q and B through n's bridge");
        String[] counted = VoipTest.awaitRow(q, toB2, x -> x[7].equals(String.valueOf(PACKETS + 1))
            && x[11].equals(String.valueOf(PACKETS + 1)), "q's counters of both directions");
        assertEquals(String.valueOf((PACKETS + 1) * 172), counted[8], String.join(" ", counted));
        assertEquals("0 0", counted[9] + " " + counted[13], "lost each way: " + String.join(" ", counted));
      }
      db.publish(25923, 0, "[[\"p\",\"" + node + "\"],[\"call\",\"" + toB2 + "\"]]", "bye");
      VoipTest.awaitRow(q, toB2, x -> x[2].equals("hungup"), "q was told B hung up");
      VoipTest.awaitRow(n, toB2, x -> x[2].equals("hungup"), "n ended its side");

      // q gives up a call while B rings: B is told; B refuses the next: q's call ends refused
      String given = VoipTest.idOf(q.client("voip:call", "--via", "n", TunnelWire.npub(b)));
      db.awaitEvent(25920, "call=" + given);
      assertEquals(0, q.client("voip:hangup", given).exit());
      assertEquals("hungup", tag(db.awaitEvent(25923, "call=" + given), "reason"));
      String refused = VoipTest.idOf(q.client("voip:call", "--via", "n", TunnelWire.npub(b)));
      db.awaitEvent(25920, "call=" + refused);
      db.publish(25923, 0, "[[\"p\",\"" + node + "\"],[\"call\",\"" + refused + "\"]]", "busy");
      VoipTest.awaitRow(q, refused, x -> x[2].equals("refused") && x[23].equals("nostr:" + b),
          "q's call ends as B's refusal");

      // a device n does not know: q's console gets n's refusal naming it, and nothing is left ringing
      Result none = q.client("voip:call", "--via", "n", TunnelWire.npub(pubkey(UNKNOWN)));
      assertTrue(none.exit() != 0, none.toString());
      assertTrue(none.err().contains("voip: n refused: unknown device nostr:" + pubkey(UNKNOWN)
          + " (not in device.allow of io.warren.nostr.relay)"), none.toString());
      assertTrue(n.alive());
    } finally {
      for (AutoCloseable d : open) {
        d.close();
      }
    }
  }
}
