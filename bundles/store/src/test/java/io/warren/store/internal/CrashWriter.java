package io.warren.store.internal;

import io.warren.api.Store;
import io.warren.api.Store.Migration;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process {@link CrashRounds} kills: commits numbered rows through {@link H2Store#transact} from
 * several threads (one per pooled connection) and prints each number on stdout, flushed, once
 * {@code transact} has returned for it. Each transaction also inserts a larger row into a churn
 * table and deletes one inserted a while ago by the same thread, and every fourth one rewrites an
 * earlier acknowledged row, so the file keeps freeing space for H2 to reuse. Runs until killed.
 * Deferred ({@code true} as the fourth argument): each thread commits through {@link
 * H2Store#transactDeferred} and prints its last {@link #PER_CHECKPOINT} numbers after each {@link
 * H2Store#checkpoint} it calls, as the relay's journal deletes its segments.
 *
 * <p>{@code CrashWriter <directory> <first number> <threads> [deferred]}
 */
final class CrashWriter {
  static final String OWNER = "crash";
  static final List<Migration> SCHEMA = List.of(new Migration(1,
      "CREATE TABLE acked(id BIGINT PRIMARY KEY, payload VARBINARY(1024) NOT NULL);"
          + "CREATE TABLE churn(id BIGINT PRIMARY KEY, payload VARBINARY(8192) NOT NULL)"));
  /** How many of its churn rows a thread keeps before deleting the oldest. */
  private static final int CHURN_KEPT = 32;
  /** Deferred commits a thread makes between two checkpoints. */
  static final int PER_CHECKPOINT = 8;

  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    AtomicLong next = new AtomicLong(Long.parseLong(args[1]));
    int threads = Integer.parseInt(args[2]);
    boolean deferred = args.length > 3 && Boolean.parseBoolean(args[3]);
    H2Store store = new H2Store(new H2Store.Settings(dir, threads, 60));
    store.migrate(OWNER, SCHEMA);
    // never outlive the test that started it (a killed surefire fork must not leave writers behind)
    ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.US_ASCII);
    out.println("ready");
    out.flush();
    for (int t = 0; t < threads; t++) {
      long seed = next.get() + t;
      Thread w = new Thread(() -> write(store, deferred, next, new Random(seed), out), "writer-" + t);
      w.start();
    }
  }

  private static void write(H2Store store, boolean deferred, AtomicLong next, Random random, PrintStream out) {
    ArrayDeque<Long> mine = new ArrayDeque<>();
    List<Long> unacknowledged = new ArrayList<>();
    for (;;) {
      long n = next.getAndIncrement();
      Long oldest = mine.size() >= CHURN_KEPT ? mine.peekFirst() : null;
      Long rewrite = n % 4 == 0 && !mine.isEmpty() ? mine.peekLast() : null;
      Store.SqlWork<Void> work = c -> {
        insert(c, "acked", n, bytes(random, 64 + random.nextInt(448)));
        insert(c, "churn", n, bytes(random, 512 + random.nextInt(3584)));
        if (oldest != null) {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM churn WHERE id = ?")) {
            ps.setLong(1, oldest);
            ps.executeUpdate();
          }
        }
        if (rewrite != null) {
          try (PreparedStatement ps = c.prepareStatement("UPDATE acked SET payload = ? WHERE id = ?")) {
            ps.setBytes(1, bytes(random, 64 + random.nextInt(448)));
            ps.setLong(2, rewrite);
            ps.executeUpdate();
          }
        }
        return null;
      };
      if (deferred) {
        store.transactDeferred(work);
      } else {
        store.transact(work);
      }
      if (oldest != null) {
        mine.removeFirst();
      }
      mine.addLast(n);
      unacknowledged.add(n);
      if (deferred && unacknowledged.size() < PER_CHECKPOINT) {
        continue;
      }
      if (deferred) {
        store.checkpoint();
      }
      synchronized (out) {
        for (long done : unacknowledged) {
          out.println(done);
        }
        out.flush();
        if (out.checkError()) {
          Runtime.getRuntime().halt(3); // nobody reads: the parent is gone
        }
      }
      unacknowledged.clear();
    }
  }

  private static void insert(Connection c, String table, long id, byte[] payload) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + "(id, payload) VALUES (?, ?)")) {
      ps.setLong(1, id);
      ps.setBytes(2, payload);
      ps.executeUpdate();
    }
  }

  private static byte[] bytes(Random random, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }
}
