import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Java <-> Java libp2p figures over loopback between two Warren node processes, driven through
 * their console ({@code warren client}) as an operator would: ping RTT ({@code p2p:ping -c N}, one
 * stream) and single-stream echo throughput ({@code p2p:echo -n BYTES}, bytes both ways at once,
 * timed inside the node), with the CPU time both node processes spent per echoed byte. Prints one
 * line; never asserts. Run by bench/libp2p.sh, which picks the nodes' JDK (JAVA_HOME), the security
 * protocol (the fifth argument, written to both nodes' {@code security.protocols}: {@code /noise}
 * or {@code /tls/1.0.0}) and the engine under it (WARREN_JAVA_OPTS=-Dwarren.noise.native=... or
 * -Dwarren.tls.native=...), and with a sixth argument {@code quic} QUIC instead of TCP (bench/quic.sh).
 *
 * <p>Echo runs in rounds on one connection, each on a new stream: the first {@code warm} rounds let
 * the nodes' JIT compile the data path, then the median, lowest and highest of the measured rounds
 * are printed.
 *
 * <p>java -cp itests/fixtures/target/classes -Dwarren.dist=distribution/target/warren
 * bench/libp2p/Libp2pBench.java [pings] [echo-bytes] [warm] [rounds] [security protocol] [tcp|quic]
 */
public final class Libp2pBench {
  private static final Pattern RTT = Pattern.compile("seq=\\d+ rtt=([0-9.]+) ms");
  private static final Pattern ELAPSED = Pattern.compile("elapsed\\s+([0-9.]+) ms");
  private static final Pattern CIPHER = Pattern.compile("Noise transport encryption by ([^\\n]+)");
  private static final Pattern TLS = Pattern.compile("TLS 1\\.3 by ([^\\n]+)");
  private static final Pattern SECURITY = Pattern.compile("security\\s+(\\S+)");
  private static final Pattern JDK = Pattern.compile(" ready in \\d+ ms \\(([^)]*)\\)");

  public static void main(String[] args) throws Exception {
    int pings = Integer.parseInt(args.length > 0 ? args[0] : "2000");
    long bytes = Long.parseLong(args.length > 1 ? args[1] : String.valueOf(256L << 20));
    int warm = Integer.parseInt(args.length > 2 ? args[2] : "6");
    int rounds = Integer.parseInt(args.length > 3 ? args[3] : "8");
    String security = args.length > 4 ? args[4] : "/noise";
    boolean quic = args.length > 5 && args[5].equals("quic");
    Path work = Files.createTempDirectory("warren-libp2p-bench");
    try (NodeProcess a = NodeProcess.start(installation(work.resolve("a"), security, quic), work.resolve("a/data"));
         NodeProcess b = NodeProcess.start(installation(work.resolve("b"), security, quic), work.resolve("b/data"))) {
      a.awaitReady();
      b.awaitReady();
      // over QUIC the target is a's /quic-v1 address, so ping and echo take the QUIC connection
      String aPeer = quic ? ok(a.client("p2p:addrs")).lines().filter(l -> l.contains("/quic-v1/")).findFirst()
          .orElseThrow().strip() : a.banner("peer ID");
      long dial0 = System.nanoTime();
      String connected = ok(b.client("p2p:connect", quic ? aPeer
          : ok(a.client("p2p:addrs")).lines().findFirst().orElseThrow()));
      double connectMs = (System.nanoTime() - dial0) / 1e6;
      String used = first(SECURITY, connected);
      String engine = quic ? "QUIC v1 (quiche, libp2p TLS 1.3 by BoringSSL, QUIC streams)"
          : used.equals("/noise") ? "TCP + Noise, ChaCha20-Poly1305 by " + first(CIPHER, a.err() + a.out()) + " + Yamux"
              : "TCP + TLS 1.3 (" + used + ") by " + first(TLS, a.err() + a.out()) + " + Yamux";

      ok(b.client("p2p:ping", "-c", String.valueOf(pings), aPeer)); // warm-up
      List<Double> rtt = numbers(RTT, ok(b.client("p2p:ping", "-c", String.valueOf(pings), aPeer)));

      List<Double> mbps = new ArrayList<>();
      List<Double> cpuPerByte = new ArrayList<>();
      for (int i = 0; i < warm + rounds; i++) {
        long cpu0 = cpuNanos(a) + cpuNanos(b);
        String echo = ok(b.client("p2p:echo", "-n", String.valueOf(bytes), aPeer));
        long cpu = cpuNanos(a) + cpuNanos(b) - cpu0;
        if (i >= warm) {
          double ms = numbers(ELAPSED, echo).get(0);
          mbps.add(bytes / (ms / 1e3) / 1e6);
          cpuPerByte.add(cpu / (double) bytes);
        }
      }
      System.out.printf(Locale.ROOT, "java-libp2p (Warren nodes) on %s, %s: ping (one stream, %d) p50 %.3f ms "
          + "p99 %.3f ms | echo single stream, %d rounds of %d MiB after %d warm-up rounds: median %.0f MB/s each way "
          + "(lowest %.0f, highest %.0f), %.2f CPU-ns per echoed byte (both nodes; identical: true) | "
          + "p2p:connect %.0f ms (a console client's JVM start included)%n",
          first(JDK, a.out()), engine, rtt.size(), pct(rtt, 50), pct(rtt, 99), rounds,
          bytes >> 20, warm, pct(mbps, 50), pct(mbps, 0), pct(mbps, 100), pct(cpuPerByte, 50), connectMs);
      a.stop();
      b.stop();
    }
  }

  /** A node installation speaking only {@code security} over TCP, and QUIC when {@code quic}. */
  private static Path installation(Path dir, String security, boolean quic) throws Exception {
    Path home = NodeProcess.installation(dir);
    Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), "security.protocols = " + security + "\n"
        + (quic ? "quic.enabled = true\n" : ""));
    return home;
  }

  /** What a console command printed; throws with its output when it failed (echo fails unless identical). */
  private static String ok(Result r) {
    if (r.exit() != 0) {
      throw new IllegalStateException("console command failed: " + r);
    }
    return r.out();
  }

  /** CPU time the node's JVM has used so far (bin/warren execs the JVM in its place). */
  private static long cpuNanos(NodeProcess n) {
    return n.handle().info().totalCpuDuration().map(Duration::toNanos)
        .orElseThrow(() -> new IllegalStateException("no CPU time for the node process " + n.handle().pid()));
  }

  private static List<Double> numbers(Pattern p, String text) {
    List<Double> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      out.add(Double.parseDouble(m.group(1)));
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("no " + p + " in:\n" + text);
    }
    return out;
  }

  private static String first(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? m.group(1) : "?";
  }

  private static double pct(List<Double> values, int p) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    return s.get(Math.min(s.size() - 1, (int) Math.floor(p / 100.0 * s.size())));
  }
}
