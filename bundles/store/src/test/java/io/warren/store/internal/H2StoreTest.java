package io.warren.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.Store.Migration;
import io.warren.api.StoreException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2StoreTest {
  @TempDir Path dir;

  private H2Store open() {
    return new H2Store(new H2Store.Settings(dir, 2, 5));
  }

  private static int count(H2Store store) {
    return store.transact(c -> {
      try (ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM t")) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  /** What decides whether {@code transact} writes its commit to the file before it returns. */
  @Test
  void aTransactionCountsAsChangedFromItsFirstWriteUntilItsCommit() {
    H2Store store = open();
    store.migrate("test", List.of(new Migration(1, "CREATE TABLE t(id INT PRIMARY KEY)")));
    List<Boolean> seen = store.transact(c -> {
      boolean fresh = H2Store.changed(c);
      c.createStatement().executeQuery("SELECT COUNT(*) FROM t").close();
      boolean afterRead = H2Store.changed(c);
      c.createStatement().executeUpdate("INSERT INTO t VALUES (1)");
      return List.of(fresh, afterRead, H2Store.changed(c));
    });
    assertEquals(List.of(false, false, true), seen, "fresh, after a read, after an insert");
    assertEquals(false, store.transact(H2Store::changed), "a new transaction after the commit");
    assertEquals(true, store.transact(c -> {
      c.createStatement().executeUpdate("DELETE FROM t");
      return H2Store.changed(c);
    }), "after a delete");
    store.close();
  }

  @Test
  void migrationsApplyOnceAndInOrderAcrossRestarts() {
    List<Migration> v1 = List.of(new Migration(1, "CREATE TABLE t(id INT PRIMARY KEY)"));
    H2Store store = open();
    store.migrate("test", v1);
    store.transact(c -> c.createStatement().executeUpdate("INSERT INTO t VALUES (1)"));
    store.close();

    store = open();
    // v1 must not run again (it would fail: table exists); v2 and v3 run in order
    store.migrate("test", List.of(
        new Migration(3, "INSERT INTO t(id, name) VALUES (3, 'three')"),
        v1.get(0),
        new Migration(2, "ALTER TABLE t ADD COLUMN name VARCHAR(20)")));
    assertEquals(2, count(store));
    store.close();
  }

  @Test
  void failedWorkIsRolledBackAndReported() {
    H2Store store = open();
    store.migrate("test", List.of(new Migration(1, "CREATE TABLE t(id INT PRIMARY KEY)")));
    StoreException e = assertThrows(StoreException.class, () -> store.transact(c -> {
      c.createStatement().executeUpdate("INSERT INTO t VALUES (1)");
      c.createStatement().executeUpdate("INSERT INTO t VALUES (1)");
      return null;
    }));
    assertTrue(e.getMessage().contains("database work failed"), e.getMessage());
    assertEquals(0, count(store));
    store.close();
  }

  @Test
  void aFailingMigrationNamesItselfAndLeavesTheVersion() {
    H2Store store = open();
    StoreException e = assertThrows(StoreException.class, () -> store.migrate("test", List.of(
        new Migration(1, "CREATE TABLE t(id INT PRIMARY KEY)"),
        new Migration(2, "THIS IS NOT SQL"))));
    assertTrue(e.getMessage().startsWith("schema migration test v2 failed"), e.getMessage());
    int version = store.transact(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT version FROM warren_schema WHERE owner='test'");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    });
    assertEquals(1, version);
    store.close();
  }

  @Test
  void downgradeIsRefused() {
    H2Store store = open();
    store.migrate("test",
        List.of(new Migration(1, "CREATE TABLE t(id INT)"), new Migration(2, "CREATE TABLE u(id INT)")));
    StoreException e = assertThrows(StoreException.class,
        () -> store.migrate("test", List.of(new Migration(1, "CREATE TABLE t(id INT)"))));
    assertTrue(e.getMessage().contains("downgrade"), e.getMessage());
    store.close();
  }
}
