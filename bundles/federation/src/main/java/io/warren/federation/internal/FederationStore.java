package io.warren.federation.internal;

import io.warren.api.ProtocolException;
import io.warren.api.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The federation's tables in the node's store: the peer table (each member's signed record as
 * received, so a restarted node knows whom to reconnect to) and the admin grants this node's admin
 * gave other nodes' keys. Calls block: never on an event loop.
 */
final class FederationStore {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FederationStore.class);
  static final String OWNER = "federation";
  static final List<Store.Migration> MIGRATIONS = List.of(new Store.Migration(1, """
      CREATE TABLE federation_peer(
        network VARCHAR(128) NOT NULL,
        peer_id VARCHAR(128) NOT NULL,
        seq BIGINT NOT NULL,
        record VARBINARY NOT NULL,
        last_contact BIGINT,
        PRIMARY KEY (network, peer_id));
      CREATE TABLE federation_grant(
        peer_id VARCHAR(128) PRIMARY KEY,
        rights VARCHAR(64) NOT NULL,
        granted_at BIGINT NOT NULL);
      """));

  /** A stored peer-table row. */
  record Row(SignedPeerRecord record, Instant lastContact) {}

  private final Store store;

  FederationStore(Store store) {
    this.store = store;
    store.migrate(OWNER, MIGRATIONS);
  }

  List<Row> peers(String network) {
    return store.transact(c -> {
      List<Row> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT record, last_contact FROM federation_peer WHERE network = ?")) {
        s.setString(1, network);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            long contact = rs.getLong(2);
            Instant lastContact = rs.wasNull() ? null : Instant.ofEpochMilli(contact);
            try {
              out.add(new Row(SignedPeerRecord.decode(rs.getBytes(1)), lastContact));
            } catch (ProtocolException e) {
              // written by this node, so only a damaged row; the owner's next record replaces it
              LOG.warn("federation: a stored peer record in network {} is unreadable ({}); skipped", network,
                  e.getMessage());
            }
          }
        }
      }
      return out;
    });
  }

  void save(SignedPeerRecord r, Instant lastContact) {
    store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "MERGE INTO federation_peer(network, peer_id, seq, record, last_contact) KEY(network, peer_id) VALUES(?,?,?,?,?)")) {
        s.setString(1, r.network());
        s.setString(2, r.peerId());
        s.setLong(3, r.seq());
        s.setBytes(4, r.encode());
        if (lastContact == null) {
          s.setNull(5, java.sql.Types.BIGINT);
        } else {
          s.setLong(5, lastContact.toEpochMilli());
        }
        s.executeUpdate();
      }
      return null;
    });
  }

  boolean forget(String network, String peerId) {
    return store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM federation_peer WHERE network = ? AND peer_id = ?")) {
        s.setString(1, network);
        s.setString(2, peerId);
        return s.executeUpdate() > 0;
      }
    });
  }

  /** Peer ID to rights ("admin") and when granted. */
  Map<String, Instant> grants() {
    return store.transact(c -> {
      Map<String, Instant> out = new LinkedHashMap<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT peer_id, granted_at FROM federation_grant WHERE rights = 'admin' ORDER BY granted_at");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
        }
      }
      return out;
    });
  }

  void grant(String peerId) {
    store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "MERGE INTO federation_grant(peer_id, rights, granted_at) KEY(peer_id) VALUES(?, 'admin', ?)")) {
        s.setString(1, peerId);
        s.setLong(2, System.currentTimeMillis());
        s.executeUpdate();
      }
      return null;
    });
  }

  boolean revoke(String peerId) {
    return store.transact(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM federation_grant WHERE peer_id = ?")) {
        s.setString(1, peerId);
        return s.executeUpdate() > 0;
      }
    });
  }
}
