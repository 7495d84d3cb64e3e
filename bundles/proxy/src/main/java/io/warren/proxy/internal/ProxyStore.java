package io.warren.proxy.internal;

import io.warren.api.Store;
import io.warren.proxy.Rule;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Proxy rules in the node's store, so they come back after a restart. Calls block. */
final class ProxyStore {
  static final String OWNER = "proxy";
  static final List<Store.Migration> MIGRATIONS = List.of(new Store.Migration(1, """
      CREATE TABLE proxy_rule(
        id BIGINT PRIMARY KEY,
        direction VARCHAR(16) NOT NULL,
        bind VARCHAR(255) NOT NULL,
        port INT NOT NULL,
        peer VARCHAR(512) NOT NULL,
        peer_name VARCHAR(255) NOT NULL,
        peer_port INT NOT NULL,
        expires_at BIGINT,
        created_at BIGINT NOT NULL);
      """));

  private final Store store;

  ProxyStore(Store store) {
    this.store = store;
    store.migrate(OWNER, MIGRATIONS);
  }

  List<Rule> all() {
    return store.transact(c -> {
      List<Rule> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT id, direction, bind, port, peer, peer_name, peer_port,"
          + " expires_at, created_at FROM proxy_rule ORDER BY id"); ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          long expires = rs.getLong(8);
          Instant exp = rs.wasNull() ? null : Instant.ofEpochMilli(expires);
          out.add(new Rule(Long.toString(rs.getLong(1)), Rule.Direction.parse(rs.getString(2)), rs.getString(3),
              rs.getInt(4), rs.getString(5), rs.getString(6), rs.getInt(7), exp, Instant.ofEpochMilli(rs.getLong(9))));
        }
      }
      return out;
    });
  }

  /** Stores a new rule under the next free id and returns it with that id. */
  Rule insert(Rule r) {
    return store.transact(c -> {
      long id;
      try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(id), 0) + 1 FROM proxy_rule");
          ResultSet rs = s.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO proxy_rule(id, direction, bind, port, peer, peer_name,"
          + " peer_port, expires_at, created_at) VALUES(?,?,?,?,?,?,?,?,?)")) {
        s.setLong(1, id);
        s.setString(2, r.direction().toString());
        s.setString(3, r.bind());
        s.setInt(4, r.port());
        s.setString(5, r.peer());
        s.setString(6, r.peerName());
        s.setInt(7, r.peerPort());
        if (r.expires() == null) {
          s.setNull(8, Types.BIGINT);
        } else {
          s.setLong(8, r.expires().toEpochMilli());
        }
        s.setLong(9, r.created().toEpochMilli());
        s.executeUpdate();
      }
      return new Rule(Long.toString(id), r.direction(), r.bind(), r.port(), r.peer(), r.peerName(), r.peerPort(),
          r.expires(), r.created());
    });
  }

  boolean delete(String id) {
    long n;
    try {
      n = Long.parseLong(id);
    } catch (NumberFormatException e) {
      return false;
    }
    return store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM proxy_rule WHERE id = ?")) {
        s.setLong(1, n);
        return s.executeUpdate() > 0;
      }
    });
  }
}
