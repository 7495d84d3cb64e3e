package io.warren.deploy.internal;

import io.warren.api.Store;
import io.warren.deploy.Deployer.Change;
import io.warren.deploy.Deployer.Publisher;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Trusted publishers, the artifacts kept (each pushed bundle's current and previous version, until
 * the next successful update) and the history, in the node's store. Calls block.
 */
final class DeployStore {
  static final String OWNER = "deploy";
  static final List<Store.Migration> MIGRATIONS = List.of(new Store.Migration(1, """
      CREATE TABLE deploy_publisher(
        fingerprint VARCHAR(64) PRIMARY KEY,
        subject VARCHAR(1024) NOT NULL,
        not_after TIMESTAMP NOT NULL,
        certificate BLOB NOT NULL);
      CREATE TABLE deploy_artifact(
        digest VARCHAR(64) PRIMARY KEY,
        bundle VARCHAR(255) NOT NULL,
        version VARCHAR(255) NOT NULL,
        content BLOB NOT NULL);
      CREATE TABLE deploy_bundle(
        bundle VARCHAR(255) PRIMARY KEY,
        current_digest VARCHAR(64) NOT NULL,
        previous_digest VARCHAR(64));
      CREATE TABLE deploy_pending(
        bundle VARCHAR(255) PRIMARY KEY,
        digest VARCHAR(64) NOT NULL,
        before_digest VARCHAR(64),
        earlier_digest VARCHAR(64));
      CREATE TABLE deploy_history(
        id BIGINT AUTO_INCREMENT PRIMARY KEY,
        at TIMESTAMP NOT NULL,
        bundle VARCHAR(255) NOT NULL,
        version VARCHAR(255) NOT NULL,
        digest VARCHAR(64) NOT NULL,
        pushed_by VARCHAR(255) NOT NULL,
        result VARCHAR(4096) NOT NULL);
      """), new Store.Migration(2, """
      CREATE TABLE deploy_signer(
        id INT PRIMARY KEY,
        private_key BLOB NOT NULL,
        certificate BLOB NOT NULL);
      """));

  /** An artifact kept: its bundle, version and bytes. */
  record Artifact(String digest, String bundle, String version, byte[] content) {}

  /** An update begun and not finished: to {@code digest}, from {@code before}, which had {@code earlier} kept. */
  record Pending(String bundle, String digest, String before, String earlier) {}

  /** A pushed bundle's current artifact and the one before it, if any. */
  record Kept(String current, Optional<String> previous) {}

  private final Store store;

  DeployStore(Store store) {
    this.store = store;
    store.migrate(OWNER, MIGRATIONS);
  }

  /** This node's publisher key (PKCS#8) and certificate (DER), if made. */
  Optional<byte[][]> signer() {
    return store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement("SELECT private_key, certificate FROM deploy_signer WHERE id = 1");
          ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(new byte[][] {rs.getBytes(1), rs.getBytes(2)}) : Optional.<byte[][]>empty();
      }
    });
  }

  void putSigner(byte[] key, byte[] certificate) {
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement(
          "INSERT INTO deploy_signer(id, private_key, certificate) VALUES(1,?,?)")) {
        s.setBytes(1, key);
        s.setBytes(2, certificate);
        return s.executeUpdate();
      }
    });
  }

  void putPublisher(String fingerprint, X509Certificate c) throws CertificateException {
    byte[] der = c.getEncoded();
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement(
          "MERGE INTO deploy_publisher(fingerprint, subject, not_after, certificate) KEY(fingerprint) VALUES(?,?,?,?)")) {
        s.setString(1, fingerprint);
        s.setString(2, Signatures.subject(c));
        s.setTimestamp(3, Timestamp.from(c.getNotAfter().toInstant()));
        s.setBytes(4, der);
        return s.executeUpdate();
      }
    });
  }

  List<Publisher> publishers() {
    return store.transact(x -> {
      List<Publisher> out = new ArrayList<>();
      try (PreparedStatement s = x.prepareStatement(
          "SELECT fingerprint, subject, not_after FROM deploy_publisher ORDER BY subject, fingerprint");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new Publisher(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
        }
      }
      return out;
    });
  }

  /** The trusted certificates by fingerprint. */
  Map<String, X509Certificate> trusted() {
    return store.transact(x -> {
      Map<String, X509Certificate> out = new LinkedHashMap<>();
      try (PreparedStatement s = x.prepareStatement("SELECT fingerprint, certificate FROM deploy_publisher");
          ResultSet rs = s.executeQuery()) {
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        while (rs.next()) {
          out.put(rs.getString(1),
              (X509Certificate) f.generateCertificate(new ByteArrayInputStream(rs.getBytes(2))));
        }
      } catch (CertificateException e) {
        throw new SQLException("a stored publisher certificate does not parse", e);
      }
      return out;
    });
  }

  boolean deletePublisher(String fingerprint) {
    return store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement("DELETE FROM deploy_publisher WHERE fingerprint = ?")) {
        s.setString(1, fingerprint);
        return s.executeUpdate() > 0;
      }
    });
  }

  void putArtifact(Artifact a) {
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement(
          "MERGE INTO deploy_artifact(digest, bundle, version, content) KEY(digest) VALUES(?,?,?,?)")) {
        s.setString(1, a.digest());
        s.setString(2, a.bundle());
        s.setString(3, a.version());
        s.setBytes(4, a.content());
        return s.executeUpdate();
      }
    });
  }

  Optional<Artifact> artifact(String digest) {
    return store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement(
          "SELECT bundle, version, content FROM deploy_artifact WHERE digest = ?")) {
        s.setString(1, digest);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? Optional.of(new Artifact(digest, rs.getString(1), rs.getString(2), rs.getBytes(3)))
              : Optional.<Artifact>empty();
        }
      }
    });
  }

  Optional<Kept> kept(String bundle) {
    return store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement(
          "SELECT current_digest, previous_digest FROM deploy_bundle WHERE bundle = ?")) {
        s.setString(1, bundle);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? Optional.of(new Kept(rs.getString(1), Optional.ofNullable(rs.getString(2))))
              : Optional.<Kept>empty();
        }
      }
    });
  }

  /** Marks an update of {@code p.bundle()} as begun, until {@link #keep} or {@link #forget} ends it. */
  void begin(Pending p) {
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement("MERGE INTO deploy_pending(bundle, digest, before_digest,"
          + " earlier_digest) KEY(bundle) VALUES(?,?,?,?)")) {
        s.setString(1, p.bundle());
        s.setString(2, p.digest());
        s.setString(3, p.before());
        s.setString(4, p.earlier());
        return s.executeUpdate();
      }
    });
  }

  /** Updates begun and not finished (the node stopped during them). */
  List<Pending> pending() {
    return store.transact(x -> {
      List<Pending> out = new ArrayList<>();
      try (PreparedStatement s = x.prepareStatement(
          "SELECT bundle, digest, before_digest, earlier_digest FROM deploy_pending ORDER BY bundle");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new Pending(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
      }
      return out;
    });
  }

  /**
   * Records {@code current} (and {@code previous}) as what {@code bundle} runs and may go back to,
   * ends an update begun, and drops every other artifact of that bundle, in one transaction.
   */
  void keep(String bundle, String current, String previous) {
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement("DELETE FROM deploy_pending WHERE bundle = ?")) {
        s.setString(1, bundle);
        s.executeUpdate();
      }
      try (PreparedStatement s = x.prepareStatement(
          "MERGE INTO deploy_bundle(bundle, current_digest, previous_digest) KEY(bundle) VALUES(?,?,?)")) {
        s.setString(1, bundle);
        s.setString(2, current);
        s.setString(3, previous);
        s.executeUpdate();
      }
      try (PreparedStatement s = x.prepareStatement(
          "DELETE FROM deploy_artifact WHERE bundle = ? AND digest <> ? AND digest <> COALESCE(?, '')")) {
        s.setString(1, bundle);
        s.setString(2, current);
        s.setString(3, previous);
        return s.executeUpdate();
      }
    });
  }

  /** Forgets {@code bundle} (uninstalled after a failed first install) and its artifacts. */
  void forget(String bundle) {
    store.transact(x -> {
      for (String sql : List.of("DELETE FROM deploy_pending WHERE bundle = ?",
          "DELETE FROM deploy_bundle WHERE bundle = ?",
          "DELETE FROM deploy_artifact WHERE bundle = ?")) {
        try (PreparedStatement s = x.prepareStatement(sql)) {
          s.setString(1, bundle);
          s.executeUpdate();
        }
      }
      return null;
    });
  }

  void record(String bundle, String version, String digest, String by, String result) {
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement(
          "INSERT INTO deploy_history(at, bundle, version, digest, pushed_by, result) VALUES(?,?,?,?,?,?)")) {
        s.setTimestamp(1, Timestamp.from(Instant.now()));
        s.setString(2, bundle);
        s.setString(3, version);
        s.setString(4, digest);
        s.setString(5, by);
        s.setString(6, result.length() > 4096 ? result.substring(0, 4093) + "..." : result);
        return s.executeUpdate();
      }
    });
  }

  List<Change> history(int limit) {
    return store.transact(x -> {
      List<Change> out = new ArrayList<>();
      try (PreparedStatement s = x.prepareStatement("SELECT id, at, bundle, version, digest, pushed_by, result"
          + " FROM deploy_history ORDER BY id DESC LIMIT ?")) {
        s.setInt(1, limit);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            out.add(new Change(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getString(7)));
          }
        }
      }
      return out;
    });
  }
}
