import io.warren.libp2p.internal.Libp2pTransport;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.echo.Echo;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.HostConfig;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.ping.Ping;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Java <-> Java libp2p figures over loopback (two hosts in one JVM, each with its own event loop
 * group): connection setup (TCP + multistream + Noise XX + Yamux), ping RTT, single-stream echo
 * throughput. Prints one line; never asserts. Run by bench/libp2p.sh.
 *
 * <p>Echo runs in rounds on one connection, each on a new stream: the first {@code warm} rounds
 * let the JIT compile the data path (the first GB runs at a third of the final speed), then the
 * median, lowest and highest of the measured rounds are printed, with the CPU time the process
 * spent per echoed byte (both hosts, both directions, crypto and kernel included).
 */
public final class Libp2pBench {
  public static void main(String[] args) throws Exception {
    int dials = Integer.parseInt(args.length > 0 ? args[0] : "200");
    int pings = Integer.parseInt(args.length > 1 ? args[1] : "2000");
    long bytes = Long.parseLong(args.length > 2 ? args[2] : String.valueOf(256L << 20));
    int warm = Integer.parseInt(args.length > 3 ? args[3] : "6");
    int rounds = Integer.parseInt(args.length > 4 ? args[4] : "8");
    HostConfig config = HostConfig.defaults();
    Host a = Libp2pTransport.start(Ed25519Identity.generate(), config, new ProtocolRegistry(), "warren/bench");
    Host b = Libp2pTransport.start(Ed25519Identity.generate(), config, new ProtocolRegistry(), "warren/bench");
    try {
      Multiaddr target = a.listenAddresses().get(0); // no /p2p: every connect dials anew
      for (int i = 0; i < dials / 4; i++) { // warm-up
        b.connect(target).get(10, TimeUnit.SECONDS).channel().close().sync();
      }
      List<Double> setup = new ArrayList<>();
      for (int i = 0; i < dials; i++) {
        long t0 = System.nanoTime();
        Connection c = b.connect(target).get(10, TimeUnit.SECONDS);
        setup.add((System.nanoTime() - t0) / 1e6);
        c.channel().close().sync();
      }
      Connection c = b.connect(Multiaddr.fromString(target + "/p2p/" + a.peerId())).get(10, TimeUnit.SECONDS);
      Ping.run(b.newStream(c, Ping.PROTOCOL).get(10, TimeUnit.SECONDS), pings).get(60, TimeUnit.SECONDS); // warm-up
      List<Double> rtt = new ArrayList<>();
      for (Duration d : Ping.run(b.newStream(c, Ping.PROTOCOL).get(10, TimeUnit.SECONDS), pings).get(60, TimeUnit.SECONDS)) {
        rtt.add(d.toNanos() / 1e6);
      }
      List<Double> rttWithOpen = new ArrayList<>(); // like js-libp2p's ping(): a new stream per ping
      for (int i = 0; i < Math.min(pings, 1000); i++) {
        long t0 = System.nanoTime();
        Ping.run(b.newStream(c, Ping.PROTOCOL).get(10, TimeUnit.SECONDS), 1).get(10, TimeUnit.SECONDS);
        rttWithOpen.add((System.nanoTime() - t0) / 1e6);
      }
      var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      List<Double> mbps = new ArrayList<>();
      List<Double> cpuPerByte = new ArrayList<>();
      boolean identical = true;
      for (int i = 0; i < warm + rounds; i++) {
        long cpu0 = os.getProcessCpuTime();
        Echo.Result e = Echo.run(b.newStream(c, Echo.PROTOCOL).get(10, TimeUnit.SECONDS), bytes).get(600, TimeUnit.SECONDS);
        long cpu = os.getProcessCpuTime() - cpu0;
        identical &= e.identical();
        if (i >= warm) {
          mbps.add(bytes / (e.elapsed().toNanos() / 1e9) / 1e6);
          cpuPerByte.add(cpu / (double) bytes);
        }
      }
      System.out.printf(Locale.ROOT, "java-libp2p (Warren) on %s %s, noise by %s: setup p50 %.2f ms p99 %.2f ms | ping (one stream) "
          + "p50 %.3f ms p99 %.3f ms | ping incl. stream open p50 %.3f ms p99 %.3f ms | echo single stream, %d rounds of "
          + "%d MiB after %d warm-up rounds: median %.0f MB/s each way (lowest %.0f, highest %.0f), %.2f CPU-ns per echoed "
          + "byte (identical: %s)%n", System.getProperty("java.vendor"), System.getProperty("java.version"),
          io.warren.libp2p.internal.noise.NoiseHandler.transportCipher(), pct(setup, 50), pct(setup, 99), pct(rtt, 50), pct(rtt, 99), pct(rttWithOpen, 50),
          pct(rttWithOpen, 99), rounds, bytes >> 20, warm, pct(mbps, 50), pct(mbps, 0), pct(mbps, 100),
          pct(cpuPerByte, 50), identical);
    } finally {
      b.close();
      a.close();
    }
  }

  private static double pct(List<Double> values, int p) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    return s.get(Math.min(s.size() - 1, (int) Math.floor(p / 100.0 * s.size())));
  }
}
