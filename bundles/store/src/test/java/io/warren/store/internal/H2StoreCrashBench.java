package io.warren.store.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Figures for the store's durability (printed, never asserted): {@link CrashRounds} for many
 * rounds, each round's kill point random up to {@code maxAcks} acknowledged commits, then the loss
 * rate and the writers' commits/s. Run by {@code bench/store.sh}.
 *
 * <p>{@code H2StoreCrashBench [rounds] [threads] [maxAcks] [retention ms] [seed]} (defaults 200 4 3000,
 * H2's retention time left at its 45 s default when the argument is {@code default}, a random seed)
 */
final class H2StoreCrashBench {
  private H2StoreCrashBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int maxAcks = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
    String retention = args.length > 3 ? args[3] : "default";
    long seed = args.length > 4 ? Long.parseLong(args[4]) : System.nanoTime();
    Random random = new Random(seed);
    Path work = Files.createTempDirectory("store-crash");
    CrashRounds crash = new CrashRounds(work.resolve("db"), threads);
    if (!retention.equals("default")) {
      crash.retention(Integer.parseInt(retention));
    }
    System.out.printf("store crash bench: %d rounds, %d writer threads, kill after 1-%d acks, H2 retention time %s ms,"
        + " seed %d, %s%n", rounds, threads, maxAcks, retention.equals("default") ? "45000 (default)" : retention,
        seed, work);
    long acked = 0;
    long lost = 0;
    int lossy = 0;
    double rateSum = 0;
    int rated = 0;
    for (int i = 1; i <= rounds; i++) {
      CrashRounds.Round r = crash.round(i, 1 + random.nextInt(maxAcks));
      acked += r.acknowledged();
      lost += r.lost().size();
      if (!r.lost().isEmpty()) {
        lossy++;
      }
      if (r.acknowledged() >= 200) {
        rateSum += r.commitsPerSecond();
        rated++;
      }
      System.out.printf("round %3d: %5d acknowledged, %4d lost%s, %6.0f commits/s, db %,d bytes%n", i,
          r.acknowledged(), r.lost().size(), r.lost().isEmpty() ? "" : " " + r.lost().subList(0,
              Math.min(3, r.lost().size())),
          r.commitsPerSecond(), size(work.resolve("db")));
    }
    System.out.printf("%d rounds: %d with loss (%.1f%%); %d of %d acknowledged commits lost (%.3f%%); "
        + "mean %.0f commits/s over the %d rounds with >= 200 commits (%d threads)%n", rounds, lossy,
        100.0 * lossy / rounds, lost, acked, 100.0 * lost / Math.max(1, acked), rated == 0 ? 0 : rateSum / rated,
        rated, threads);
    try (var files = Files.walk(work)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  private static long size(Path dir) throws java.io.IOException {
    try (var s = Files.list(dir)) {
      return s.mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
