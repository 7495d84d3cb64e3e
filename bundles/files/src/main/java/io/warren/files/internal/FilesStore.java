package io.warren.files.internal;

import io.warren.api.Store;
import io.warren.files.Transfer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** Peers allowed to send without asking, and every transfer's last known state. Calls block: keep them off event loops. */
final class FilesStore {
  static final String OWNER = "files";
  static final List<Store.Migration> MIGRATIONS = List.of(new Store.Migration(1, """
      CREATE TABLE files_allow(
        peer VARCHAR(200) PRIMARY KEY);
      CREATE TABLE files_transfer(
        id VARCHAR(64) NOT NULL,
        outgoing BOOLEAN NOT NULL,
        peer VARCHAR(200) NOT NULL,
        label VARCHAR(1024) NOT NULL,
        files INT NOT NULL,
        total BIGINT NOT NULL,
        resumed BIGINT NOT NULL,
        moved BIGINT NOT NULL,
        state VARCHAR(16) NOT NULL,
        detail VARCHAR(1024) NOT NULL,
        sha256 VARCHAR(64) NOT NULL,
        started BIGINT NOT NULL,
        ended BIGINT NOT NULL,
        PRIMARY KEY(id, outgoing, peer));
      """));
  static final int KEPT = 200;

  private final Store store;

  FilesStore(Store store) {
    this.store = store;
    store.migrate(OWNER, MIGRATIONS);
  }

  List<String> allowed() {
    return store.transact(c -> {
      List<String> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT peer FROM files_allow ORDER BY peer");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    });
  }

  void allow(String peer) {
    store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("MERGE INTO files_allow(peer) KEY(peer) VALUES(?)")) {
        s.setString(1, peer);
        return s.executeUpdate();
      }
    });
  }

  boolean disallow(String peer) {
    return store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM files_allow WHERE peer = ?")) {
        s.setString(1, peer);
        return s.executeUpdate() > 0;
      }
    });
  }

  void save(Transfer t) {
    store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("MERGE INTO files_transfer(id, outgoing, peer, label, files,"
          + " total, resumed, moved, state, detail, sha256, started, ended) KEY(id, outgoing, peer)"
          + " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
        s.setString(1, t.id());
        s.setBoolean(2, t.outgoing());
        s.setString(3, t.peer());
        s.setString(4, cut(t.label()));
        s.setInt(5, t.files());
        s.setLong(6, t.total());
        s.setLong(7, t.resumedFrom());
        s.setLong(8, t.moved());
        s.setString(9, t.state());
        s.setString(10, cut(t.detail()));
        s.setString(11, t.sha256());
        s.setLong(12, t.startedMillis());
        s.setLong(13, t.endedMillis());
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement("DELETE FROM files_transfer WHERE started < (SELECT MIN(started)"
          + " FROM (SELECT started FROM files_transfer ORDER BY started DESC LIMIT " + KEPT + "))")) {
        s.executeUpdate();
      }
      return null;
    });
  }

  /** Transfers as last saved, newest first; one that was running when the node stopped reads as interrupted. */
  List<Transfer> transfers() {
    return store.transact(c -> {
      List<Transfer> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT id, outgoing, peer, label, files, total, resumed, moved,"
          + " state, detail, sha256, started, ended FROM files_transfer ORDER BY started DESC");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          boolean ended = rs.getLong(13) > 0;
          out.add(new Transfer(rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getString(4), rs.getInt(5),
              rs.getLong(6), rs.getLong(7), rs.getLong(8), ended ? rs.getString(9) : "interrupted", rs.getString(10),
              rs.getString(11), rs.getLong(12), ended ? rs.getLong(13) : rs.getLong(12), null));
        }
      }
      return out;
    });
  }

  private static String cut(String s) {
    return s.length() <= 1024 ? s : s.substring(0, 1021) + "...";
  }
}
