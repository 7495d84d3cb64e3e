package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.warren.testing.Await;
import io.warren.testing.NatLab;
import io.warren.testing.NatTrial;
import io.warren.testing.NodeProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NAT trial over IPv6 ({@link NatLab#firewalled6}: no NAT, ULA addresses, each host behind a
 * stateful firewall that drops unsolicited inbound, a relay on the routers' segment): AutoNAT finds
 * both nodes unreachable, they hold circuit addresses (IPv6 ones, through the relay's
 * {@code /ip6/} address), and DCUtR's simultaneous TCP open gets them a direct connection through
 * both firewalls, over TCP and over QUIC. Then a proxy rule pair carries on when the QUIC direct
 * connection replaces the relayed one (issue 21): see {@link #proxiedStreamsCarryOnOverQuic}. How fast is printed, never asserted (bench/nat.sh runs many trials). Skipped,
 * saying why, only where the machine cannot build the lab (not root, no ip or nft).
 */
class Libp2pIpv6FirewallTest {
  @TempDir Path dir;

  @Test
  void twoFirewalledIpv6NodesGetADirectConnection() throws Exception {
    String why = NatLab.unavailable();
    assumeTrue(why == null, why);
    try (NatLab lab = NatLab.firewalled6("w6" + ProcessHandle.current().pid() % 100000 + "-");
        NodeProcess r = lab.node(dir.resolve("r"), "r", lab.relayConfig(4003) + "quic.enabled = true\n")) {
      r.awaitReady();
      String rAddr = NatTrial.relayAddress(r, false);
      assertTrue(rAddr.startsWith("/ip6/" + NatLab.RELAY_IP6 + "/tcp/4003/p2p/"), rAddr);

      NatTrial.Result t = NatTrial.run(lab, dir.resolve("ab"), rAddr, "a", "b", 4001, Duration.ofSeconds(60));
      System.out.println("NAT lab, IPv6 firewalled/firewalled: " + t);
      assertNull(t.failure(), t.toString());
      assertTrue(t.yReachability().lines().anyMatch(l -> l.matches("status\\s+private")),
          "AutoNAT: r could not dial b back through its firewall:\n" + t.yReachability());
      assertTrue(t.yReachability().contains("/ip6/" + NatLab.RELAY_IP6 + "/tcp/4003/p2p/"), t.yReachability());
      assertTrue(t.direct(), "two IPv6 firewalls: DCUtR gets a direct connection; " + t);

      // the same over QUIC: the nodes listen for QUIC too and reach the relay at its QUIC address,
      // so DCUtR punches UDP through both firewalls first
      NatTrial.Result q = NatTrial.run(lab, dir.resolve("q"), NatTrial.relayAddress(r, true), "a", "b", 4004,
          Duration.ofSeconds(60), true);
      System.out.println("NAT lab, IPv6 firewalled/firewalled over QUIC: " + q);
      assertNull(q.failure(), q.toString());
      assertTrue(q.yReachability().contains("/ip6/" + NatLab.RELAY_IP6 + "/udp/4003/quic-v1/p2p/"), q.yReachability());
      assertEquals("quic", q.directPath(), "the UDP hole punch through both firewalls made it; " + q);

      proxiedStreamsCarryOnOverQuic(lab, NatTrial.relayAddress(r, true));
    }
  }

  /**
   * A proxy rule pair between a and b (egress on a, ingress on b to a TCP echo server in b's
   * namespace), first with only the relayed connection between them (fw1 drops every packet from a
   * to b's network, so DCUtR's punches fail), then with a QUIC direct one (a later punch once fw1
   * lets them through, or {@code p2p:upgrade} where DCUtR gave up already). The connection opened while relayed keeps echoing after the direct
   * connection came, and keeps the relayed connection open while it lives; one opened after goes
   * over QUIC: it keeps echoing after the first one closed and took the relayed connection with it.
   */
  private void proxiedStreamsCarryOnOverQuic(NatLab lab, String relayQuic) throws Exception {
    List<String> blocked = new ArrayList<>(lab.in("fw1"));
    nft(blocked, "add table ip6 wblock");
    nft(blocked, "add chain ip6 wblock wforward { type filter hook forward priority -10 ; policy accept ; }");
    nft(blocked, "add rule ip6 wblock wforward ip6 daddr fd00:2::/64 drop");
    String config = "quic.enabled = true\ndcutr.max.dials.per.peer.per.minute = 20\n";
    Process echo = null;
    Process client = null;
    try (NodeProcess a = lab.node(dir.resolve("pa"), "a", lab.listen("a", 4005) + config);
        NodeProcess b = lab.node(dir.resolve("pb"), "b", lab.listen("b", 4005) + config)) {
      a.awaitReady(Duration.ofSeconds(180));
      b.awaitReady(Duration.ofSeconds(180));
      ok(a.client("p2p:connect", relayQuic));
      ok(b.client("p2p:connect", relayQuic));
      Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> a.client("p2p:addrs").out().contains("/p2p-circuit/")
          && b.client("p2p:addrs").out().contains("/p2p-circuit/"), "circuit addresses on a and b");
      String aId = a.banner("peer ID");
      String bId = b.banner("peer ID");
      echo = inNs(lab, "b", "server", Integer.toString(ECHO_PORT));
      new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8)).readLine(); // listening
      ok(b.client("proxy:add", "--direction", "ingress", "--origin", aId, "--port", Integer.toString(ECHO_PORT)));
      ok(a.client("proxy:add", "--direction", "egress", "--port", Integer.toString(EGRESS_PORT), "--target",
          bId + ":" + ECHO_PORT));
      NodeProcess.Result ping = a.client("p2p:ping", relayQuic + "/p2p-circuit/p2p/" + bId);
      ok(ping);
      assertTrue(ping.out().contains("(relayed)"), ping.toString());

      client = inNs(lab, "a", "client", Integer.toString(EGRESS_PORT));
      BufferedReader said = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
      PrintStream say = new PrintStream(client.getOutputStream(), true, StandardCharsets.UTF_8);
      assertEquals("ok", ask(say, said, "echo 0 65536"), "the first connection echoes through the relay");
      assertEquals(List.of("relayed"), paths(a, bId), "only relayed while fw1 drops the direct packets");
      nft(blocked, "delete table ip6 wblock");
      // DCUtR's next punch gets through; where it gave up already, b's operator asks again
      Await.until(WAIT.multipliedBy(2), NodeProcess.CLIENT_POLL, () -> {
        if (paths(a, bId).contains("quic")) {
          return true;
        }
        if (b.err().contains("stays relayed:")) {
          b.client("p2p:upgrade", aId);
        }
        return false;
      }, "a QUIC direct connection");
      assertEquals("ok", ask(say, said, "echo 0 65536"), "the relayed connection's stream carries on");
      assertTrue(paths(a, bId).contains("relayed"), "the stream keeps its relayed connection open: "
          + a.client("p2p:peers").out());
      assertEquals("ok", ask(say, said, "echo 1 65536"), "a connection opened after the direct one came echoes");
      assertEquals("ok", ask(say, said, "close 0"));
      Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> paths(a, bId).equals(List.of("quic")),
          "the idle relayed connection closed");
      assertEquals("ok", ask(say, said, "echo 1 65536"), "the second connection was on QUIC: it carries on alone; "
          + a.client("p2p:peers").out());
    } finally {
      for (Process p : new Process[] {client, echo}) {
        if (p != null) {
          p.destroyForcibly();
        }
      }
      NodeProcess.run(concat(blocked, "delete table ip6 wblock"), null); // where a step failed before it was
    }
  }

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int ECHO_PORT = 7007;
  private static final int EGRESS_PORT = 7008;

  private static void ok(NodeProcess.Result r) {
    assertEquals(0, r.exit(), r.toString());
  }

  private static List<String> concat(List<String> prefix, String nftArgs) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add("nft");
    cmd.add(nftArgs);
    return cmd;
  }

  private static void nft(List<String> prefix, String args) throws Exception {
    ok(NodeProcess.run(concat(prefix, args), null));
  }

  /** The PATH of each of {@code n}'s connections to {@code peer}, as {@code p2p:peers} lists them. */
  private static List<String> paths(NodeProcess n, String peer) throws Exception {
    return n.client("p2p:peers").out().lines().filter(l -> l.startsWith(peer))
        .map(l -> l.split("\\s+")[3]).sorted().toList();
  }

  /** {@link EchoEnds} in host {@code h}'s namespace, on this JVM's class path. */
  private Process inNs(NatLab lab, String h, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(lab.in(h));
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), EchoEnds.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(dir.resolve(h + "-echo.err").toFile()).start();
  }

  private static String ask(PrintStream say, BufferedReader said, String command) throws Exception {
    say.println(command);
    return said.readLine();
  }

  /**
   * The two ends outside the nodes: {@code server PORT} echoes every connection on
   * 127.0.0.1:PORT; {@code client PORT} reads commands ({@code echo I N}: send N bytes on
   * connection I, opening it first if it is new, and read them back; {@code close I}) and answers
   * each with {@code ok} or what went wrong. Reads time out, so a stuck stream answers too.
   */
  static final class EchoEnds {
    public static void main(String[] args) throws Exception {
      int port = Integer.parseInt(args[1]);
      if (args[0].equals("server")) {
        try (ServerSocket s = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
          System.out.println("listening");
          System.out.flush();
          while (true) {
            Socket c = s.accept();
            new Thread(() -> {
              try (c) {
                c.getInputStream().transferTo(c.getOutputStream());
              } catch (IOException e) {
                // the other end went away
              }
            }).start();
          }
        }
      }
      Map<Integer, Socket> open = new HashMap<>();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      Random random = new Random(7);
      for (String line; (line = in.readLine()) != null;) {
        String[] w = line.split(" ");
        try {
          int i = Integer.parseInt(w[1]);
          if (w[0].equals("close")) {
            open.remove(i).close();
          } else {
            Socket c = open.get(i);
            if (c == null) {
              c = new Socket(InetAddress.getLoopbackAddress(), port);
              c.setSoTimeout(30_000);
              open.put(i, c);
            }
            byte[] sent = new byte[Integer.parseInt(w[2])];
            random.nextBytes(sent);
            c.getOutputStream().write(sent);
            byte[] back = c.getInputStream().readNBytes(sent.length);
            if (!Arrays.equals(sent, back)) {
              throw new IOException("sent " + sent.length + " bytes, got " + back.length + " back, not the same");
            }
          }
          System.out.println("ok");
        } catch (IOException | RuntimeException e) {
          System.out.println("failed: " + e);
        }
        System.out.flush();
      }
    }
  }
}
