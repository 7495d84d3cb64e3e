package io.warren.files.internal;

import io.warren.api.Store;
import io.warren.files.Share;
import io.warren.files.Transfer;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Peers allowed to send without asking, every transfer's last known state, and the shares. Calls block: keep them off event loops. */
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
      """), new Store.Migration(2, """
      CREATE TABLE files_share(
        name VARCHAR(255) PRIMARY KEY,
        dir VARCHAR(4096) NOT NULL);
      CREATE TABLE files_share_to(
        name VARCHAR(255) NOT NULL,
        grantee VARCHAR(200) NOT NULL,
        PRIMARY KEY(name, grantee));
      """), new Store.Migration(3, """
      ALTER TABLE files_transfer ALTER COLUMN sha256 RENAME TO checksum;
      ALTER TABLE files_transfer ADD COLUMN hash VARCHAR(16) DEFAULT 'sha256' NOT NULL;
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

  /** Every share with who it is given to, by name. */
  List<Share> shares() {
    return store.transact(c -> {
      Map<String, Share> out = new LinkedHashMap<>();
      try (PreparedStatement s = c.prepareStatement("SELECT name, dir FROM files_share ORDER BY name");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), new Share(rs.getString(1), Path.of(rs.getString(2)), new ArrayList<>()));
        }
      }
      try (PreparedStatement s = c.prepareStatement("SELECT name, grantee FROM files_share_to ORDER BY grantee");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          Share sh = out.get(rs.getString(1));
          if (sh != null) {
            sh.to().add(rs.getString(2));
          }
        }
      }
      return out.values().stream().map(sh -> new Share(sh.name(), sh.dir(), List.copyOf(sh.to()))).toList();
    });
  }

  /** Shares {@code dir} as {@code name} with {@code grantee}; a name taken by another directory is refused. */
  Share share(String name, Path dir, String grantee) {
    for (Share sh : shares()) {
      if (sh.name().equals(name) && !sh.dir().equals(dir)) {
        throw new IllegalArgumentException(
            "share " + name + " is " + sh.dir() + " already; give this one another name with --as");
      }
    }
    store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("MERGE INTO files_share(name, dir) KEY(name) VALUES(?, ?)")) {
        s.setString(1, name);
        s.setString(2, dir.toString());
        s.executeUpdate();
      }
      try (PreparedStatement s =
          c.prepareStatement("MERGE INTO files_share_to(name, grantee) KEY(name, grantee) VALUES(?, ?)")) {
        s.setString(1, name);
        s.setString(2, grantee);
        s.executeUpdate();
      }
      return null;
    });
    return shares().stream().filter(sh -> sh.name().equals(name)).findFirst().orElseThrow();
  }

  /** Takes {@code name} from {@code grantee}, or removes the share when {@code grantee} is null or was its last. */
  boolean unshare(String name, String grantee) {
    return store.transact(c -> {
      int n;
      try (PreparedStatement s = c.prepareStatement(grantee == null ? "DELETE FROM files_share_to WHERE name = ?"
          : "DELETE FROM files_share_to WHERE name = ? AND grantee = ?")) {
        s.setString(1, name);
        if (grantee != null) {
          s.setString(2, grantee);
        }
        n = s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement("DELETE FROM files_share WHERE name = ? AND (? OR NOT EXISTS"
          + " (SELECT 1 FROM files_share_to t WHERE t.name = files_share.name))")) {
        s.setString(1, name);
        s.setBoolean(2, grantee == null);
        n += s.executeUpdate();
      }
      return n > 0;
    });
  }

  void save(Transfer t) {
    store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("MERGE INTO files_transfer(id, outgoing, peer, label, files,"
          + " total, resumed, moved, state, detail, checksum, started, ended, hash) KEY(id, outgoing, peer)"
          + " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
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
        s.setString(11, t.checksum());
        s.setLong(12, t.startedMillis());
        s.setLong(13, t.endedMillis());
        s.setString(14, t.hash());
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
          + " state, detail, checksum, started, ended, hash FROM files_transfer ORDER BY started DESC");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          boolean ended = rs.getLong(13) > 0;
          out.add(new Transfer(rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getString(4), rs.getInt(5),
              rs.getLong(6), rs.getLong(7), rs.getLong(8), ended ? rs.getString(9) : "interrupted", rs.getString(10),
              rs.getString(14), rs.getString(11), rs.getLong(12), ended ? rs.getLong(13) : rs.getLong(12), null));
        }
      }
      return out;
    });
  }

  private static String cut(String s) {
    return s.length() <= 1024 ? s : s.substring(0, 1021) + "...";
  }
}
