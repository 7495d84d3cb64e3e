package io.warren.store.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Kill -9 rounds against a store directory: each round starts a {@link CrashWriter} process, lets
 * it acknowledge a given number of commits, kills it with SIGKILL from the thread reading its
 * output (so the kill lands while its writers are mid-commit), reopens the store in this process
 * and lists the acknowledged numbers that are not in it. Rounds share the directory, so the file
 * grows, frees and reuses space across rounds as a node's does across restarts.
 */
final class CrashRounds {
  /** Numbers of one round start at {@code round * SPAN}, so rounds never reuse one. */
  static final long SPAN = 1_000_000_000L;

  /**
   * One round: {@code acknowledged} numbers the writer reported stored, those of them missing after
   * the restart ({@code lost}), and the writer's commits/s from its first acknowledgement to the kill.
   */
  record Round(int acknowledged, List<Long> lost, double commitsPerSecond) {}

  private final Path dir;
  private final int threads;
  private final boolean deferred;

  CrashRounds(Path dir, int threads) {
    this(dir, threads, false);
  }

  /** With {@code deferred}, the writers commit through transactDeferred and acknowledge after checkpoints. */
  CrashRounds(Path dir, int threads, boolean deferred) {
    this.dir = dir;
    this.threads = threads;
    this.deferred = deferred;
  }

  /**
   * Sets H2's {@code RETENTION_TIME} (persistent, so the writers run with it): how long a freed
   * chunk's space is kept before H2 reuses it. H2's 45 s default means a store reuses space only
   * after 45 s of life; a short one makes rounds of a few seconds reuse space, a stress beyond what
   * a node runs (the store never lowers the retention, and H2 calls a lower one dangerous).
   */
  void retention(int millis) {
    H2Store store = new H2Store(new H2Store.Settings(dir, 1, 60));
    try {
      store.migrate(CrashWriter.OWNER, CrashWriter.SCHEMA);
      store.transact(c -> c.createStatement().execute("SET RETENTION_TIME " + millis));
    } finally {
      store.close();
    }
  }

  /** Runs round {@code round}: kills the writer once it has acknowledged {@code killAt} commits. */
  Round round(int round, int killAt) throws IOException, InterruptedException {
    long first = round * SPAN;
    Path err = dir.resolveSibling(dir.getFileName() + "-writer.err");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        CrashWriter.class.getName(), dir.toString(), Long.toString(first), Integer.toString(threads),
        Boolean.toString(deferred))
        .redirectError(err.toFile())
        .start();
    Reader reader = new Reader(p, killAt);
    Thread t = new Thread(reader, "crash-reader");
    t.start();
    try {
      // generous: the writer is a fresh JVM on a loaded machine; the kill itself needs no waiting
      if (!reader.killed.await(180, TimeUnit.SECONDS)) {
        throw new AssertionError("round " + round + ": the writer acknowledged " + reader.acks.size() + " of "
            + killAt + " commits in 180 s" + (p.isAlive() ? "" : ", it exited with " + p.exitValue())
            + "; its stderr: " + tail(err));
      }
      t.join();
      p.waitFor();
      if (reader.acks.size() < killAt) {
        throw new AssertionError("round " + round + ": the writer died by itself after " + reader.acks.size()
            + " commits; its stderr: " + tail(err));
      }
    } finally {
      p.destroyForcibly();
    }
    Set<Long> present = new HashSet<>();
    H2Store store = new H2Store(new H2Store.Settings(dir, 1, 60));
    try {
      store.migrate(CrashWriter.OWNER, CrashWriter.SCHEMA);
      store.transact(c -> {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM acked WHERE id >= ? AND id < ?")) {
          ps.setLong(1, first);
          ps.setLong(2, first + SPAN);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              present.add(rs.getLong(1));
            }
          }
        }
        return null;
      });
    } finally {
      store.close();
    }
    List<Long> lost = new ArrayList<>();
    for (long n : reader.acks) {
      if (!present.contains(n)) {
        lost.add(n);
      }
    }
    lost.sort(null);
    double seconds = (reader.killedAt - reader.firstAckAt) / 1e9;
    return new Round(reader.acks.size(), lost, seconds > 0 ? (reader.acks.size() - 1) / seconds : 0);
  }

  private static String tail(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "(none)";
    }
    String s = Files.readString(file);
    return s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
  }

  /** Reads the writer's stdout: whole lines only (a line cut by the kill was never acknowledged). */
  private static final class Reader implements Runnable {
    final Process process;
    final int killAt;
    final List<Long> acks = new ArrayList<>();
    final CountDownLatch killed = new CountDownLatch(1);
    volatile long firstAckAt;
    volatile long killedAt;

    Reader(Process process, int killAt) {
      this.process = process;
      this.killAt = killAt;
    }

    @Override
    public void run() {
      StringBuilder line = new StringBuilder();
      byte[] buf = new byte[8192];
      try (InputStream in = process.getInputStream()) {
        for (int n; (n = in.read(buf)) >= 0;) {
          for (int i = 0; i < n; i++) {
            if (buf[i] != '\n') {
              line.append((char) buf[i]);
              continue;
            }
            String s = line.toString();
            line.setLength(0);
            if (s.equals("ready")) {
              continue;
            }
            acks.add(Long.parseLong(s));
            if (acks.size() == 1) {
              firstAckAt = System.nanoTime();
            }
            if (acks.size() == killAt) {
              process.destroyForcibly();
              killedAt = System.nanoTime();
              killed.countDown();
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // the stream of a killed process may end in an error; what was read is what was acknowledged
      } finally {
        killed.countDown();
      }
    }
  }
}
