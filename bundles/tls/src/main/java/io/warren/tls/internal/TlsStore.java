package io.warren.tls.internal;

import io.warren.api.Store;
import io.warren.tls.TlsCertificates.Mode;
import io.warren.tls.TlsCertificates.Route;
import io.warren.tls.TlsCertificates.Target;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bundle's tables: the ACME account key, keys (key and chain as PEM, by name) and routes (the
 * first target in peer and port, the others in more_targets as {@code peer:port} separated by spaces).
 */
final class TlsStore {
  static final String OWNER = "tls";
  private final Store store;

  /** A stored key: the private key and chain as PEM, and where it came from. */
  record Stored(String name, String keyPem, String chainPem, String origin) {}

  TlsStore(Store store) {
    this.store = store;
    store.migrate(OWNER, List.of(new Store.Migration(1, """
        CREATE TABLE tls_account (id INT PRIMARY KEY, key_pem CLOB NOT NULL);
        CREATE TABLE tls_cert (hostname VARCHAR(253) PRIMARY KEY, key_pem CLOB NOT NULL, chain_pem CLOB NOT NULL);
        CREATE TABLE tls_route (hostname VARCHAR(253) PRIMARY KEY, peer VARCHAR(200) NOT NULL, port INT NOT NULL);
        """), new Store.Migration(2, """
        ALTER TABLE tls_cert ALTER COLUMN hostname RENAME TO name;
        ALTER TABLE tls_cert ADD COLUMN origin VARCHAR(100) DEFAULT 'acme' NOT NULL;
        ALTER TABLE tls_route ADD COLUMN mode VARCHAR(16) DEFAULT 'terminate' NOT NULL;
        ALTER TABLE tls_route DROP PRIMARY KEY;
        ALTER TABLE tls_route ADD PRIMARY KEY (hostname, mode);
        """), new Store.Migration(3, """
        ALTER TABLE tls_route ADD COLUMN more_targets VARCHAR(8000) DEFAULT '' NOT NULL;
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
          "MERGE INTO tls_cert (name, key_pem, chain_pem, origin) KEY (name) VALUES (?, ?, ?, ?)")) {
        p.setString(1, s.name());
        p.setString(2, s.keyPem());
        p.setString(3, s.chainPem());
        p.setString(4, s.origin());
        return p.executeUpdate();
      }
    });
  }

  boolean removeCert(String name) {
    return store.transact(c -> {
      try (PreparedStatement p = c.prepareStatement("DELETE FROM tls_cert WHERE name = ?")) {
        p.setString(1, name);
        return p.executeUpdate() > 0;
      }
    });
  }

  List<Stored> certs() {
    return store.transact(c -> {
      List<Stored> out = new ArrayList<>();
      try (ResultSet r = c.createStatement().executeQuery(
          "SELECT name, key_pem, chain_pem, origin FROM tls_cert ORDER BY name")) {
        while (r.next()) {
          out.add(new Stored(r.getString(1), r.getString(2), r.getString(3), r.getString(4)));
        }
      }
      return out;
    });
  }

  /** Saves {@code route}; a TLS route replaces the hostname's other TLS route (one mode at a time). */
  void saveRoute(Route route) {
    store.transact(c -> {
      if (route.mode() != Mode.HTTP) {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM tls_route WHERE hostname = ? AND mode <> 'http'")) {
          d.setString(1, route.hostname());
          d.executeUpdate();
        }
      }
      try (PreparedStatement p = c.prepareStatement(
          "MERGE INTO tls_route (hostname, mode, peer, port, more_targets) KEY (hostname, mode) VALUES (?, ?, ?, ?, ?)")) {
        p.setString(1, route.hostname());
        p.setString(2, route.mode().toString());
        p.setString(3, route.peer());
        p.setInt(4, route.port());
        p.setString(5, String.join(" ", route.targets().stream().skip(1).map(Target::toString).toList()));
        return p.executeUpdate();
      }
    });
  }

  boolean removeRoute(String hostname, boolean http) {
    return store.transact(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "DELETE FROM tls_route WHERE hostname = ? AND " + (http ? "mode = 'http'" : "mode <> 'http'"))) {
        p.setString(1, hostname);
        return p.executeUpdate() > 0;
      }
    });
  }

  List<Route> routes() {
    return store.transact(c -> {
      List<Route> out = new ArrayList<>();
      try (ResultSet r = c.createStatement()
          .executeQuery("SELECT hostname, peer, port, mode, more_targets FROM tls_route ORDER BY hostname, mode")) {
        while (r.next()) {
          List<Target> targets = new ArrayList<>(List.of(new Target(r.getString(2), r.getInt(3))));
          for (String more : r.getString(5).split(" ")) {
            if (!more.isEmpty()) { // peer:port, the peer itself scheme:id
              int colon = more.lastIndexOf(':');
              targets.add(new Target(more.substring(0, colon), Integer.parseInt(more.substring(colon + 1))));
            }
          }
          out.add(new Route(r.getString(1), targets, Mode.parse(r.getString(4))));
        }
      }
      return out;
    });
  }
}
