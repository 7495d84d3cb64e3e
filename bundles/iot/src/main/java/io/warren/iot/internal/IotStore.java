package io.warren.iot.internal;

import io.warren.api.Store;
import io.warren.iot.IotBroker.AclRule;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The broker's users, topic rules and bridges in the node's store. Calls block: keep them off event loops. */
final class IotStore {
  static final String OWNER = "iot";
  static final Store.Migration USERS_RULES_BRIDGES = new Store.Migration(1, """
      CREATE TABLE iot_user(
        name VARCHAR(255) PRIMARY KEY,
        hash VARCHAR(255) NOT NULL);
      CREATE TABLE iot_acl(
        id BIGINT PRIMARY KEY,
        username VARCHAR(255) NOT NULL,
        pattern VARCHAR(1024) NOT NULL,
        access VARCHAR(8) NOT NULL);
      CREATE TABLE iot_bridge(
        filter VARCHAR(1024) PRIMARY KEY,
        network VARCHAR(255) NOT NULL);
      """);
  static final List<Store.Migration> MIGRATIONS =
      Stream.concat(Stream.of(USERS_RULES_BRIDGES), Persistence.MIGRATIONS.stream())
          .toList();

  private final Store store;

  IotStore(Store store) {
    this.store = store;
    store.migrate(OWNER, MIGRATIONS);
  }

  Map<String, String> users() {
    return store.transact(c -> {
      Map<String, String> out = new LinkedHashMap<>();
      try (PreparedStatement s = c.prepareStatement("SELECT name, hash FROM iot_user ORDER BY name");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
      return out;
    });
  }

  void putUser(String name, String hash) {
    store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("MERGE INTO iot_user(name, hash) KEY(name) VALUES(?, ?)")) {
        s.setString(1, name);
        s.setString(2, hash);
        return s.executeUpdate();
      }
    });
  }

  boolean deleteUser(String name) {
    return delete("DELETE FROM iot_user WHERE name = ?", name);
  }

  List<AclRule> acls() {
    return store.transact(c -> {
      List<AclRule> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT id, username, pattern, access FROM iot_acl ORDER BY id");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new AclRule(rs.getLong(1), rs.getString(2), rs.getString(3), AclRule.Access.parse(rs.getString(4))));
        }
      }
      return out;
    });
  }

  AclRule insertAcl(String user, String pattern, AclRule.Access access) {
    return store.transact(c -> {
      long id;
      try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(id), 0) + 1 FROM iot_acl");
          ResultSet rs = s.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
      try (PreparedStatement s =
          c.prepareStatement("INSERT INTO iot_acl(id, username, pattern, access) VALUES(?,?,?,?)")) {
        s.setLong(1, id);
        s.setString(2, user);
        s.setString(3, pattern);
        s.setString(4, access.name());
        s.executeUpdate();
      }
      return new AclRule(id, user, pattern, access);
    });
  }

  boolean deleteAcl(long id) {
    return store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM iot_acl WHERE id = ?")) {
        s.setLong(1, id);
        return s.executeUpdate() > 0;
      }
    });
  }

  Map<String, String> bridges() {
    return store.transact(c -> {
      Map<String, String> out = new LinkedHashMap<>();
      try (PreparedStatement s = c.prepareStatement("SELECT filter, network FROM iot_bridge ORDER BY filter");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
      return out;
    });
  }

  void putBridge(String filter, String network) {
    store.transact(c -> {
      try (
          PreparedStatement s = c.prepareStatement("MERGE INTO iot_bridge(filter, network) KEY(filter) VALUES(?, ?)")) {
        s.setString(1, filter);
        s.setString(2, network);
        return s.executeUpdate();
      }
    });
  }

  boolean deleteBridge(String filter) {
    return delete("DELETE FROM iot_bridge WHERE filter = ?", filter);
  }

  private boolean delete(String sql, String key) {
    return store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, key);
        return s.executeUpdate() > 0;
      }
    });
  }
}
