import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many calls with their media over the overlay, relayed through a circuit relay node, go
 * without loss: places calls from node d to node c (which answers on its own) step by step, keeps
 * two "phones" per call (UDP sockets on loopback, one at each side's port pair), and at each step
 * has every phone send 172-byte RTP at 50 packets/s (a G.711 call both ways: 100 packets/s a call)
 * for some seconds; prints per step the packets sent and received, the loss, and the one-way delay
 * p50/p99 phone to phone. Prints, never asserts.
 *   D_CLIENT="<warren> client --data-dir <d data>" C_CLIENT="..." \
 *     java bench/VoipLoad.java <callee name> <seconds a step> <calls at each step ...>
 */
public class VoipLoad {
  static final int SIZE = 172;
  static final Pattern ROW = Pattern.compile("\"id\":\"([0-9a-f]{16})\",\"role\":\"(\\w+)\",\"state\":\"(\\w+)\","
      + "\"peer\":\"[^\"]*\",\"codec\":(?:null|\"[^\"]*\"),\"path\":(?:null|\"([^\"]*)\"),\"media\":(?:null|\"([^\"]*)\")");

  record Leg(String state, String path, String media) {}

  /** One call: a phone at d's side and one at c's side, each counting what reaches it. */
  static final class Call {
    final String id;
    final DatagramChannel[] phone = new DatagramChannel[2];
    final InetSocketAddress[] target = new InetSocketAddress[2];
    final long[] received = new long[2];

    Call(String id, String legD, String legC) throws IOException {
      this.id = id;
      target[0] = addr(legD);
      target[1] = addr(legC);
      for (int i = 0; i < 2; i++) {
        phone[i] = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        phone[i].setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        phone[i].configureBlocking(false);
      }
    }
  }

  static InetSocketAddress addr(String s) {
    int c = s.lastIndexOf(':');
    return new InetSocketAddress(s.substring(0, c), Integer.parseInt(s.substring(c + 1)));
  }

  static String run(String client, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(Arrays.asList(client.split(" ")));
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("WARREN_LOG_LEVEL", "warn"); // the answer only, whatever the nodes log
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  static Map<String, Leg> legs(String client) throws Exception {
    Map<String, Leg> m = new HashMap<>();
    Matcher x = ROW.matcher(run(client, "voip:calls", "--json"));
    while (x.find()) {
      if (!x.group(2).equals("relay")) {
        m.put(x.group(1), new Leg(x.group(3), x.group(4), x.group(5)));
      }
    }
    return m;
  }

  public static void main(String[] a) throws Exception {
    String dClient = System.getenv("D_CLIENT");
    String cClient = System.getenv("C_CLIENT");
    String callee = a[0];
    int seconds = Integer.parseInt(a[1]);
    List<Call> calls = new ArrayList<>();
    CALLS = calls;
    List<String> pending = new ArrayList<>();
    System.out.println("calls  pkts/s  sent  received  lost  loss%  delay p50/p99 ms  path(d)");
    for (int s = 2; s < a.length; s++) {
      int want = Integer.parseInt(a[s]);
      while (calls.size() + pending.size() < want) {
        String out = run(dClient, "voip:call", callee);
        Matcher placed = Pattern.compile("(?m)^call ([0-9a-f]{16}) to ").matcher(out);
        if (placed.find()) {
          pending.add(placed.group(1));
        } else {
          System.out.println("voip:call failed: " + out.strip());
          Thread.sleep(500);
        }
      }
      long until = System.nanoTime() + 120_000_000_000L;
      Map<String, Leg> atD = Map.of();
      Map<String, Leg> atC = Map.of();
      while (!pending.isEmpty() && System.nanoTime() < until) {
        atD = legs(dClient);
        atC = legs(cClient);
        for (var it = pending.iterator(); it.hasNext();) {
          String id = it.next();
          Leg d = atD.get(id);
          Leg c = atC.get(id);
          if (d != null && c != null && d.state().equals("active") && d.path() != null && c.path() != null) {
            calls.add(new Call(id, d.media(), c.media()));
            PATH.put(id, d.path());
            it.remove();
          }
        }
      }
      if (!pending.isEmpty()) {
        for (String id : pending) {
          System.out.println("call " + id + " not up within 120 s: at d " + atD.get(id) + ", at c " + atC.get(id));
        }
        System.out.println("stopping");
        break;
      }
      step(calls, seconds, String.join(",", calls.stream().map(c -> PATH.get(c.id)).distinct().toList()));
    }
  }

  /** Latches each port (one packet from each phone), then paces every phone at 50 packets/s for {@code seconds}. */
  static void step(List<Call> calls, int seconds, String paths) throws Exception {
    try (Selector sel = Selector.open()) {
      for (Call c : calls) {
        for (int i = 0; i < 2; i++) {
          c.received[i] = 0;
          c.phone[i].register(sel, SelectionKey.OP_READ, new int[] {calls.indexOf(c), i});
        }
      }
      ByteBuffer out = ByteBuffer.allocate(SIZE);
      ByteBuffer in = ByteBuffer.allocate(2048);
      int seq = 0;
      // latch: one packet each way (the callee's port takes the first sender), not counted
      for (Call c : calls) {
        for (int i = 0; i < 2; i++) {
          c.phone[i].send(packet(out, 0, 0), c.target[i]);
        }
      }
      drain(sel, in, 1000, null, null);
      long[] delays = new long[seconds * 50 * calls.size() * 2];
      int[] n = {0};
      int rounds = seconds * 50;
      long sent = 0;
      long next = System.nanoTime();
      for (int r = 1; r <= rounds; r++) {
        for (Call c : calls) {
          for (int i = 0; i < 2; i++) {
            c.phone[i].send(packet(out, r, 1), c.target[i]);
            sent++;
          }
        }
        next += 20_000_000L;
        long wait;
        while ((wait = next - System.nanoTime()) > 0) {
          drain(sel, in, Math.max(1, wait / 1_000_000), delays, n);
        }
      }
      drain(sel, in, 2000, delays, n);
      long received = 0;
      for (Call c : calls) {
        received += c.received[0] + c.received[1];
      }
      long[] d = Arrays.copyOf(delays, n[0]);
      Arrays.sort(d);
      System.out.printf("%5d  %6d  %6d  %8d  %5d  %5.2f  %6.1f / %6.1f  %s%n", calls.size(), calls.size() * 100, sent,
          received, sent - received, 100.0 * (sent - received) / sent, pct(d, 50), pct(d, 99), paths);
      for (SelectionKey k : sel.keys()) {
        k.cancel();
      }
      sel.selectNow();
    }
  }

  static double pct(long[] sorted, int p) {
    return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1e6;
  }

  /** A 172-byte RTP packet whose payload starts with a marker (1: measured) and the send time. */
  static ByteBuffer packet(ByteBuffer b, int seq, int measured) {
    b.clear();
    b.put((byte) 0x80).put((byte) 0).putShort((short) seq).putInt(seq * 160).putInt(0x42).put((byte) measured)
        .putLong(System.nanoTime());
    b.position(SIZE);
    return b.flip();
  }

  /** Reads what arrived for up to {@code millis}; counts measured packets and their delay. */
  static void drain(Selector sel, ByteBuffer in, long millis, long[] delays, int[] n) throws IOException {
    if (sel.select(millis) == 0) {
      return;
    }
    for (var it = sel.selectedKeys().iterator(); it.hasNext();) {
      SelectionKey k = it.next();
      it.remove();
      DatagramChannel ch = (DatagramChannel) k.channel();
      int[] who = (int[]) k.attachment();
      while (true) {
        in.clear();
        if (ch.receive(in) == null) {
          break;
        }
        if (in.position() == SIZE && in.get(12) == 1 && delays != null) {
          CALLS.get(who[0]).received[who[1]]++;
          if (n[0] < delays.length) {
            delays[n[0]++] = System.nanoTime() - in.getLong(13);
          }
        }
      }
    }
  }

  /** The calls, for the receiving loop; and each call's media path at d when it came up. */
  static List<Call> CALLS;
  static final Map<String, String> PATH = new HashMap<>();
}
