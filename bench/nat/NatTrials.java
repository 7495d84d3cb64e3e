import io.warren.testing.NatLab;
import io.warren.testing.NatTrial;
import io.warren.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * NAT-lab trials ({@link NatLab}: network namespaces, nftables masquerade, a Warren relay between
 * them): {@code N} {@link NatTrial}s for each pairing, cone/cone (hosts a and b), cone/symmetric
 * (a and c), symmetric/symmetric (c and d), and over IPv6 two hosts behind stateful firewalls, no
 * NAT ("fw6/fw6", {@link NatLab#firewalled6}, TCP only), over each transport asked for: TCP, QUIC
 * (the nodes listen for QUIC too and reach the relay over QUIC, so DCUtR punches UDP first), and
 * "birthday" (QUIC with dcutr.birthday = all on both nodes: after three failed rounds a birthday
 * punch; give it 40 s), each trial on fresh node processes. Prints one line per trial (and, for one
 * that stays relayed, why and whether the other side reached it back through the relay), then a
 * table per transport: how often DCUtR got a direct connection and how long after the relayed one,
 * how long the nodes behind NAT took from their start, and from their connect to the relay, until
 * they held a circuit address (reachable), and until AutoNAT decided. Never asserts. Needs root.
 *
 * <p>java -cp itests/fixtures/target/classes -Dwarren.dist=distribution/target/warren
 * bench/nat/NatTrials.java [trials] [seconds to wait for a direct connection] [tcp,quic,birthday]
 * [pairings, e.g. cone/cone,fw6/fw6; default all]
 */
public final class NatTrials {
  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args.length > 0 ? args[0] : "5");
    Duration window = Duration.ofSeconds(Long.parseLong(args.length > 1 ? args[1] : "30"));
    List<String> transports = List.of((args.length > 2 ? args[2] : "tcp,quic").split(","));
    List<String> only = args.length > 3 ? List.of(args[3].split(",")) : List.of(); // pairings to run; none: all
    String why = NatLab.unavailable();
    if (why != null) {
      System.err.println("nat trials: " + why);
      System.exit(2);
    }
    Path work = Files.createTempDirectory("warren-nat-trials");
    java.util.Map<String, List<String>> tables = new java.util.LinkedHashMap<>();
    try (NatLab lab = NatLab.create("nt" + ProcessHandle.current().pid() % 100000 + "-");
        NodeProcess r = lab.node(work.resolve("r"), "r",
            "listen.addresses = /ip4/" + NatLab.RELAY_IP + "/tcp/4003\nrelay.hop.enabled = true\n"
                + "quic.enabled = true\n")) {
      r.awaitReady(Duration.ofMinutes(3));
      int port = 4100;
      for (String transport : transports) {
        String rAddr = NatTrial.relayAddress(r, !transport.equals("tcp"));
        List<String> table = tables.computeIfAbsent(transport, k -> new ArrayList<>());
        for (String[] pair : List.of(new String[] {"a", "b"}, new String[] {"a", "c"}, new String[] {"c", "d"})) {
          String name = NatLab.HOSTS.get(pair[0]) + "/" + NatLab.HOSTS.get(pair[1]);
          if (!only.isEmpty() && !only.contains(name)) {
            continue;
          }
          table.add(row(name, trials(lab, work, rAddr, transport, pair[0], pair[1], name, n, window, port)));
          port += n;
        }
      }
    } finally {
      NodeProcess.run(List.of("rm", "-rf", work.toString()), null);
    }
    if (only.isEmpty() || only.contains("fw6/fw6")) {
      for (String transport : transports) {
        if (!transport.equals("birthday")) { // no port-changing NAT on IPv6
          tables.computeIfAbsent(transport, k -> new ArrayList<>()).add(ipv6(transport, n, window));
        }
      }
    }
    for (var e : tables.entrySet()) {
      System.out.println();
      System.out.printf("%-19s %6s %8s %-14s %-22s %-22s %-22s %-22s %s%n",
          "PAIRING (" + e.getKey().toUpperCase(Locale.ROOT) + ")", "TRIALS", "DIRECT", "PATHS", "TIME TO DIRECT",
          "START->REACHABLE", "CONNECT->REACHABLE", "CONNECT->DECIDED", "VIA RELAY");
      e.getValue().forEach(System.out::println);
    }
    if (tables.containsKey("birthday")) {
      int range = 65535 - 1024 + 1;
      double miss = 1;
      for (int i = 0; i < 512; i++) {
        miss *= (double) (range - 256 - i) / (range - i);
      }
      System.out.printf(Locale.ROOT, "birthday: 256 ports opened, 512 datagrams to distinct random ports of %d: "
          + "expected success %.0f%% (1 - C(%d-256, 512) / C(%d, 512))%n", range, 100 * (1 - miss), range, range);
    }
    System.out.println("trials: run to the end (+N!: N more could not be, see their lines); times: median (min-max)"
        + " in seconds over the nodes behind NAT; reachable = holds a circuit address; decided = AutoNAT's verdict; "
        + window.toSeconds() + " s allowed for a direct connection");
  }

  /** {@code n} trials between hosts {@code x} and {@code y} of {@code lab} over one transport, each printed as it ends. */
  private static List<NatTrial.Result> trials(NatLab lab, Path work, String rAddr, String transport, String x,
      String y, String name, int n, Duration window, int port) throws Exception {
    List<NatTrial.Result> results = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      NatTrial.Result t = NatTrial.run(lab, work.resolve(transport + "-" + name.replace('/', '-') + "-" + i), rAddr,
          x, y, port + i - 1, window, !transport.equals("tcp"),
          transport.equals("birthday") ? "dcutr.birthday = all\n" : "", true);
      results.add(t);
      if (t.failure() != null) {
        System.err.println(transport + " " + name + " trial " + i + " could not run to its end: "
            + NodeProcess.tail(t.failure()));
      }
      System.out.printf(Locale.ROOT, "%-8s %-19s trial %d: direct %s%s, start->reachable %s / %s, connect->reachable"
          + " %s / %s, connect->decided %s / %s, relayed ping %s%s%n", transport, name, i, t.direct() ? "yes" : "no",
          t.direct() ? " (" + t.directPath() + ") after " + s(t.toDirect()) : "", s(t.xStartToReachable()),
          s(t.yStartToReachable()), s(t.xConnectToReachable()), s(t.yConnectToReachable()), s(t.xConnectToDecided()),
          s(t.yConnectToDecided()), t.yReachedThroughRelay() ? "ok" : "failed",
          t.failure() == null ? "" : " (" + t.failure().lines().findFirst().orElse("") + ")");
      if (t.failure() == null && !t.direct()) {
        System.out.printf(Locale.ROOT, "%-8s %-19s trial %d: back through the relay %s; stays relayed: %s%n", transport,
            name, i, t.xReachedThroughRelay() ? "ok" : "failed", t.staysRelayed() == null ? "(no reason logged)"
                : t.staysRelayed());
      }
    }
    return results;
  }

  /** The same trials over IPv6: hosts a and b behind stateful firewalls, no NAT ({@link NatLab#firewalled6}). */
  private static String ipv6(String transport, int n, Duration window) throws Exception {
    Path work = Files.createTempDirectory("warren-nat-trials6");
    try (NatLab lab = NatLab.firewalled6("n6" + ProcessHandle.current().pid() % 100000 + "-");
        NodeProcess r = lab.node(work.resolve("r6"), "r", lab.relayConfig(4003) + "quic.enabled = true\n")) {
      r.awaitReady(Duration.ofMinutes(3));
      String rAddr = NatTrial.relayAddress(r, !transport.equals("tcp"));
      return row("fw6/fw6", trials(lab, work, rAddr, transport, "a", "b", "fw6/fw6", n, window, 4300));
    } finally {
      NodeProcess.run(List.of("rm", "-rf", work.toString()), null);
    }
  }

  private static String row(String name, List<NatTrial.Result> rs) {
    List<Duration> direct = new ArrayList<>();
    List<Duration> start = new ArrayList<>();
    List<Duration> connect = new ArrayList<>();
    List<Duration> decided = new ArrayList<>();
    for (NatTrial.Result t : rs) {
      if (t.toDirect() != null) {
        direct.add(t.toDirect());
      }
      start.addAll(present(t.xStartToReachable(), t.yStartToReachable()));
      connect.addAll(present(t.xConnectToReachable(), t.yConnectToReachable()));
      decided.addAll(present(t.xConnectToDecided(), t.yConnectToDecided()));
    }
    List<NatTrial.Result> ran = rs.stream().filter(t -> t.failure() == null).toList();
    long ok = ran.stream().filter(NatTrial.Result::direct).count();
    long relayed = ran.stream().filter(NatTrial.Result::yReachedThroughRelay).count();
    long quic = ran.stream().filter(t -> "quic".equals(t.directPath())).count();
    long tcp = ran.stream().filter(t -> "tcp".equals(t.directPath())).count();
    return String.format(Locale.ROOT, "%-19s %6s %8s %-14s %-22s %-22s %-22s %-22s %s", name,
        ran.size() + (ran.size() < rs.size() ? "+" + (rs.size() - ran.size()) + "!" : ""),
        ran.isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * ok / ran.size()),
        "quic " + quic + " tcp " + tcp, stats(direct),
        stats(start), stats(connect), stats(decided), relayed + "/" + ran.size());
  }

  private static List<Duration> present(Duration... ds) {
    return java.util.Arrays.stream(ds).filter(Objects::nonNull).toList();
  }

  private static String stats(List<Duration> ds) {
    if (ds.isEmpty()) {
      return "-";
    }
    List<Duration> sorted = ds.stream().sorted().toList();
    return s(sorted.get((sorted.size() - 1) / 2)) + " (" + s(sorted.get(0)) + "-" + s(sorted.get(sorted.size() - 1))
        + ")";
  }

  private static String s(Duration d) {
    return d == null ? "-" : String.format(Locale.ROOT, "%.2f", d.toMillis() / 1000.0);
  }
}
