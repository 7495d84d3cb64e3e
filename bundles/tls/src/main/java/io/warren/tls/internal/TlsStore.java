package io.warren.tls.internal;

import io.warren.api.Store;
import io.warren.tls.TlsCertificates.Route;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The bundle's tables: the ACME account key, certificates (key and chain as PEM) and routes. */
final class TlsStore {
  static final String OWNER = "tls";
  private final Store store;

  /** A stored certificate: the private key and chain as PEM. */
  record Stored(String hostname, String keyPem, String chainPem) {}

  TlsStore(Store store) {
    this.store = store;
    store.migrate(OWNER, List.of(new Store.Migration(1, """
        CREATE TABLE tls_account (id INT PRIMARY KEY, key_pem CLOB NOT NULL);
        CREATE TABLE tls_cert (hostname VARCHAR(253) PRIMARY KEY, key_pem CLOB NOT NULL, chain_pem CLOB NOT NULL);
        CREATE TABLE tls_route (hostname VARCHAR(253) PRIMARY KEY, peer VARCHAR(200) NOT NULL, port INT NOT NULL);
        """)));
  }

  Optional<String> accountKey() {
    return store.transact(c -> {
      try (ResultSet r = c.createStatement().executeQuery("SELECT key_pem FROM tls_account WHERE id = 1")) {
        return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
      }
    });
  }

  void saveAccountKey(String pem) {
    store.transact(c -> {
      try (PreparedStatement p = c.prepareStatement("MERGE INTO tls_account (id, key_pem) KEY (id) VALUES (1, ?)")) {
        p.setString(1, pem);
        return p.executeUpdate();
      }
    });
  }

  void saveCert(Stored s) {
    store.transact(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "MERGE INTO tls_cert (hostname, key_pem, chain_pem) KEY (hostname) VALUES (?, ?, ?)")) {
        p.setString(1, s.hostname());
        p.setString(2, s.keyPem());
        p.setString(3, s.chainPem());
        return p.executeUpdate();
      }
    });
  }

  List<Stored> certs() {
    return store.transact(c -> {
      List<Stored> out = new ArrayList<>();
      try (ResultSet r = c.createStatement().executeQuery(
          "SELECT hostname, key_pem, chain_pem FROM tls_cert ORDER BY hostname")) {
        while (r.next()) {
          out.add(new Stored(r.getString(1), r.getString(2), r.getString(3)));
        }
      }
      return out;
    });
  }

  void saveRoute(Route route) {
    store.transact(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "MERGE INTO tls_route (hostname, peer, port) KEY (hostname) VALUES (?, ?, ?)")) {
        p.setString(1, route.hostname());
        p.setString(2, route.peer());
        p.setInt(3, route.port());
        return p.executeUpdate();
      }
    });
  }

  boolean removeRoute(String hostname) {
    return store.transact(c -> {
      try (PreparedStatement p = c.prepareStatement("DELETE FROM tls_route WHERE hostname = ?")) {
        p.setString(1, hostname);
        return p.executeUpdate() > 0;
      }
    });
  }

  List<Route> routes() {
    return store.transact(c -> {
      List<Route> out = new ArrayList<>();
      try (ResultSet r =
          c.createStatement().executeQuery("SELECT hostname, peer, port FROM tls_route ORDER BY hostname")) {
        while (r.next()) {
          out.add(new Route(r.getString(1), r.getString(2), r.getInt(3)));
        }
      }
      return out;
    });
  }
}
