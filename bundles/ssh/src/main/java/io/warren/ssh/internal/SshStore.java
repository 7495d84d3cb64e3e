package io.warren.ssh.internal;

import io.warren.api.Store;
import io.warren.ssh.AuthorizedKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ssh bundle's tables: the host key and the client key (one row each, an OpenSSH private key
 * file, created once) and the authorised public keys. Calls block.
 */
final class SshStore {
  static final String OWNER = "ssh";
  static final List<Store.Migration> MIGRATIONS = List.of(new Store.Migration(1, """
      CREATE TABLE ssh_host_key(
        id INT PRIMARY KEY,
        private_key VARBINARY(16384) NOT NULL,
        created_at BIGINT NOT NULL);
      CREATE TABLE ssh_authorized_key(
        fingerprint VARCHAR(128) PRIMARY KEY,
        key_line VARCHAR(16384) NOT NULL,
        type VARCHAR(64) NOT NULL,
        bits INT NOT NULL,
        comment VARCHAR(1024) NOT NULL,
        added_at BIGINT NOT NULL);
      """), new Store.Migration(2, """
      CREATE TABLE ssh_client_key(
        id INT PRIMARY KEY,
        private_key VARBINARY(16384) NOT NULL,
        created_at BIGINT NOT NULL);
      """));

  /** The node's own key pairs, one row each: the host key, and the client key ssh:shell logs in to devices with. */
  enum OwnKey {
    HOST("ssh_host_key"), CLIENT("ssh_client_key");

    private final String table;

    OwnKey(String table) {
      this.table = table;
    }
  }

  /** A stored authorised key with its line, to be parsed again. */
  record StoredKey(AuthorizedKey key, String line) {}

  private final Store store;

  SshStore(Store store) {
    this.store = store;
    store.migrate(OWNER, MIGRATIONS);
  }

  Optional<byte[]> key(OwnKey which) {
    return store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT private_key FROM " + which.table + " WHERE id = 1");
          ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.<byte[]>empty();
      }
    });
  }

  /** Stores {@code key} as that key unless one is there already; returns the one stored. */
  byte[] keyOnce(OwnKey which, byte[] key) {
    return store.transact(c -> {
      try (PreparedStatement s =
          c.prepareStatement("SELECT private_key FROM " + which.table + " WHERE id = 1 FOR UPDATE");
          ResultSet rs = s.executeQuery()) {
        if (rs.next()) {
          return rs.getBytes(1);
        }
      }
      try (PreparedStatement s =
          c.prepareStatement("INSERT INTO " + which.table + "(id, private_key, created_at) VALUES(1, ?, ?)")) {
        s.setBytes(1, key);
        s.setLong(2, System.currentTimeMillis());
        s.executeUpdate();
      }
      return key;
    });
  }

  List<StoredKey> keys() {
    return store.transact(c -> {
      List<StoredKey> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT fingerprint, type, bits, comment, added_at, key_line FROM ssh_authorized_key ORDER BY added_at, fingerprint");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new StoredKey(new AuthorizedKey(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4),
              Instant.ofEpochMilli(rs.getLong(5))), rs.getString(6)));
        }
      }
      return out;
    });
  }

  /** Inserts {@code key}; false when its fingerprint is there already. */
  boolean insert(AuthorizedKey key, String line) {
    return store.transact(c -> {
      try (PreparedStatement s =
          c.prepareStatement("SELECT 1 FROM ssh_authorized_key WHERE fingerprint = ?")) {
        s.setString(1, key.fingerprint());
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next()) {
            return false;
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO ssh_authorized_key(fingerprint, key_line, type, bits,"
          + " comment, added_at) VALUES(?,?,?,?,?,?)")) {
        s.setString(1, key.fingerprint());
        s.setString(2, line);
        s.setString(3, key.type());
        s.setInt(4, key.bits());
        s.setString(5, key.comment());
        s.setLong(6, key.added().toEpochMilli());
        s.executeUpdate();
      }
      return true;
    });
  }

  void delete(String fingerprint) {
    store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM ssh_authorized_key WHERE fingerprint = ?")) {
        s.setString(1, fingerprint);
        return s.executeUpdate();
      }
    });
  }
}
