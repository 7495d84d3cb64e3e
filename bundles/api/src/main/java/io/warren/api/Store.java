package io.warren.api;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The node's embedded database. Each bundle owns its tables and brings its schema as numbered
 * migrations; work runs in a transaction that is committed durably before the call returns, so a
 * node killed at any moment restarts with every returned write intact.
 *
 * <p>Thread-safe. Calls block while the database works; keep them off event loops.
 */
public interface Store {

  /**
   * Brings {@code owner}'s schema to the highest version in {@code migrations}, applying in order
   * each migration above the version recorded for {@code owner}, each in its own transaction.
   *
   * @throws StoreException if a migration fails (that migration is rolled back) or the recorded
   *     version is newer than any migration given (a downgrade)
   */
  void migrate(String owner, List<Migration> migrations);

  /** Runs {@code work} in a transaction and commits it; rolls back if it throws. */
  <T> T transact(SqlWork<T> work);

  /**
   * Like {@link #transact}, but the commit is only in memory when this returns: other transactions
   * see it, and it reaches the file within about a second, at the next {@link #checkpoint} or at the
   * next commit of {@link #transact} that changed something, whichever first. For a caller that
   * keeps its own durable copy of the work (a journal) until a checkpoint: the database then writes
   * pages that many such transactions touched once, not once per transaction.
   */
  default <T> T transactDeferred(SqlWork<T> work) {
    return transact(work);
  }

  /** Writes every commit so far to the file, those of {@link #transactDeferred} included. */
  default void checkpoint() {}

  /** A schema step: {@code version} counts from 1; {@code sql} may hold several statements. */
  record Migration(int version, String sql) {
    public Migration {
      if (version < 1) {
        throw new IllegalArgumentException("migration versions count from 1, got " + version);
      }
    }
  }

  /** Database work inside {@link #transact}. */
  @FunctionalInterface
  interface SqlWork<T> {
    T apply(Connection connection) throws SQLException;
  }
}
