package io.warren.iot.internal;

import io.warren.api.PeerRef;
import io.warren.api.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent sessions (those with an expiry) and their QoS 1 messages not yet acknowledged, and the
 * QoS 1 frames bridge members have not acknowledged, in the store, so they survive a node restart or
 * a kill. Writes run in order on one thread off the event loops, many in one transaction; a QoS 1
 * publish is acknowledged (PUBACK, or ACK on a bridge) only once its copies are written.
 * {@link #NONE} keeps nothing (unit tests).
 */
class Persistence {
  private static final Logger LOG = LoggerFactory.getLogger(Persistence.class);
  static final Persistence NONE = new Persistence();
  static final List<Store.Migration> MIGRATIONS = List.of(new Store.Migration(2, """
      CREATE TABLE iot_session(
        client_id VARCHAR(65535) PRIMARY KEY,
        username VARCHAR(255) NOT NULL,
        protocol INT NOT NULL,
        expiry_seconds BIGINT NOT NULL,
        disconnected_at BIGINT NOT NULL,
        subscriptions CLOB NOT NULL);
      CREATE TABLE iot_message(
        client_id VARCHAR(65535) NOT NULL,
        msg_key BIGINT NOT NULL,
        topic VARCHAR(65535) NOT NULL,
        qos INT NOT NULL,
        payload VARBINARY(268435455) NOT NULL,
        PRIMARY KEY(client_id, msg_key));
      """), new Store.Migration(3, """
      CREATE TABLE iot_bridge_out(
        peer VARCHAR(512) NOT NULL,
        seq BIGINT NOT NULL,
        topic VARCHAR(65535) NOT NULL,
        retain BOOLEAN NOT NULL,
        payload VARBINARY(268435455) NOT NULL,
        PRIMARY KEY(peer, seq));
      """), new Store.Migration(4, """
      CREATE TABLE iot_retained(
        topic VARCHAR(65535) PRIMARY KEY,
        qos INT NOT NULL,
        payload VARBINARY(268435455) NOT NULL);
      """), new Store.Migration(5, """
      ALTER TABLE iot_message ADD COLUMN props VARBINARY(268435455) DEFAULT X'' NOT NULL;
      ALTER TABLE iot_message ADD COLUMN expires_at BIGINT DEFAULT 0 NOT NULL;
      ALTER TABLE iot_bridge_out ADD COLUMN props VARBINARY(268435455) DEFAULT X'' NOT NULL;
      ALTER TABLE iot_bridge_out ADD COLUMN expires_at BIGINT DEFAULT 0 NOT NULL;
      ALTER TABLE iot_retained ADD COLUMN props VARBINARY(268435455) DEFAULT X'' NOT NULL;
      ALTER TABLE iot_retained ADD COLUMN expires_at BIGINT DEFAULT 0 NOT NULL;
      """));

  /** Writes committed together at most. */
  static final int BATCH = 512;
  private final Store store;
  private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  /** Started by the first write (a node whose broker is off, or idle, writes nothing and keeps no thread for it). */
  private final Thread writer;
  private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile boolean closed;

  private Persistence() {
    this.store = null;
    this.writer = null;
  }

  Persistence(Store store) {
    this.store = store;
    this.writer = new Thread(this::writeLoop, "iot-store");
    writer.setDaemon(true);
  }

  private void startWriter() {
    if (writer != null && started.compareAndSet(false, true)) {
      writer.start();
    }
  }

  /** The sessions kept, each with its subscriptions and its messages queued (to be sent with DUP). */
  List<Session> load(Broker broker) {
    if (store == null) {
      return List.of();
    }
    Settings s = broker.settings();
    return store.transact(c -> {
      Map<String, Session> out = new LinkedHashMap<>();
      try (PreparedStatement q = c.prepareStatement("SELECT client_id, username, protocol, expiry_seconds,"
          + " disconnected_at, subscriptions FROM iot_session"); ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          Session x = new Session(rs.getString(1), s.maxInflightPerClient(), s.maxQueuedPerClient(),
              broker.messagesOut, broker.messagesDropped);
          x.user = rs.getString(2);
          x.protocol = rs.getInt(3);
          x.stored = true;
          x.expirySeconds = rs.getLong(4);
          long at = rs.getLong(5);
          x.disconnectedAt = at == 0 ? System.currentTimeMillis() : at; // it was connected when the node stopped
          String id = x.clientId;
          x.onExpired = k -> deleteMessage(id, k);
          for (String line : rs.getString(6).split("\n")) {
            if (!line.isEmpty()) {
              x.subscriptions.put(line.substring(2), line.charAt(0) - '0');
            }
          }
          out.put(x.clientId, x);
        }
      }
      try (PreparedStatement q = c.prepareStatement(
          "SELECT client_id, msg_key, topic, qos, payload, props, expires_at FROM iot_message"
              + " ORDER BY client_id, msg_key");
          ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          Session x = out.get(rs.getString(1));
          if (x != null) {
            x.restore(new Session.Entry(rs.getLong(2), new Msg(rs.getString(3), rs.getBytes(5), rs.getInt(4), false,
                Props.fromBytes(rs.getBytes(6), rs.getLong(7))),
                true));
          }
        }
      }
      return new ArrayList<>(out.values());
    });
  }

  void saveSession(Session s) {
    if (store == null) {
      return;
    }
    s.stored = true;
    StringBuilder subs = new StringBuilder();
    s.subscriptions.forEach((f, q) -> subs.append(q).append(' ').append(f).append('\n'));
    String user = s.user;
    int protocol = s.protocol;
    long expiry = s.expirySeconds;
    long at = s.disconnectedAt;
    run(c -> {
      try (PreparedStatement q = c.prepareStatement("MERGE INTO iot_session(client_id, username, protocol,"
          + " expiry_seconds, disconnected_at, subscriptions) KEY(client_id) VALUES(?,?,?,?,?,?)")) {
        q.setString(1, s.clientId);
        q.setString(2, user);
        q.setInt(3, protocol);
        q.setLong(4, expiry);
        q.setLong(5, at);
        q.setString(6, subs.toString());
        return q.executeUpdate();
      }
    });
  }

  void deleteSession(String clientId) {
    if (store == null) {
      return;
    }
    run(c -> {
      try (PreparedStatement q = c.prepareStatement("DELETE FROM iot_session WHERE client_id = ?");
          PreparedStatement m = c.prepareStatement("DELETE FROM iot_message WHERE client_id = ?")) {
        q.setString(1, clientId);
        m.setString(1, clientId);
        return q.executeUpdate() + m.executeUpdate();
      }
    });
  }

  /** Keeps a QoS 1 message for a persistent session; completes once written. */
  CompletableFuture<Void> saveMessage(String clientId, Session.Entry e) {
    if (store == null) {
      return CompletableFuture.completedFuture(null);
    }
    return run(c -> {
      try (PreparedStatement q = c.prepareStatement(
          "MERGE INTO iot_message(client_id, msg_key, topic, qos, payload, props, expires_at) KEY(client_id, msg_key)"
              + " VALUES(?,?,?,?,?,?,?)")) {
        q.setString(1, clientId);
        q.setLong(2, e.key());
        q.setString(3, e.msg().topic());
        q.setInt(4, e.msg().qos());
        q.setBytes(5, e.msg().payload());
        q.setBytes(6, e.msg().props().toBytes());
        q.setLong(7, e.msg().props().expiresAt());
        return q.executeUpdate();
      }
    });
  }

  void deleteMessage(String clientId, long key) {
    if (store == null) {
      return;
    }
    run(c -> {
      try (PreparedStatement q = c.prepareStatement("DELETE FROM iot_message WHERE client_id = ? AND msg_key = ?")) {
        q.setString(1, clientId);
        q.setLong(2, key);
        return q.executeUpdate();
      }
    });
  }

  /** The retained messages kept. */
  List<Msg> loadRetained() {
    if (store == null) {
      return List.of();
    }
    return store.transact(c -> {
      List<Msg> out = new ArrayList<>();
      try (PreparedStatement q = c.prepareStatement("SELECT topic, qos, payload, props, expires_at FROM iot_retained");
          ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(new Msg(rs.getString(1), rs.getBytes(3), rs.getInt(2), true, Props.fromBytes(rs.getBytes(4),
              rs.getLong(5))));
        }
      }
      return out;
    });
  }

  /** Keeps {@code m} as its topic's retained message, or forgets the topic's when {@code m} is empty. */
  CompletableFuture<Void> saveRetained(Msg m) {
    if (store == null) {
      return CompletableFuture.completedFuture(null);
    }
    return run(c -> {
      if (m.payload().length == 0) {
        try (PreparedStatement q = c.prepareStatement("DELETE FROM iot_retained WHERE topic = ?")) {
          q.setString(1, m.topic());
          return q.executeUpdate();
        }
      }
      try (PreparedStatement q = c.prepareStatement(
          "MERGE INTO iot_retained(topic, qos, payload, props, expires_at) KEY(topic) VALUES(?,?,?,?,?)")) {
        q.setString(1, m.topic());
        q.setInt(2, m.qos());
        q.setBytes(3, m.payload());
        q.setBytes(4, m.props().toBytes());
        q.setLong(5, m.props().expiresAt());
        return q.executeUpdate();
      }
    });
  }

  /** The QoS 1 frames each member had not acknowledged, by member, oldest first. */
  Map<PeerRef, LinkedHashMap<Long, Msg>> loadBridged() {
    if (store == null) {
      return Map.of();
    }
    return store.transact(c -> {
      Map<PeerRef, LinkedHashMap<Long, Msg>> out = new LinkedHashMap<>();
      try (PreparedStatement q = c.prepareStatement(
          "SELECT peer, seq, topic, retain, payload, props, expires_at FROM iot_bridge_out ORDER BY peer, seq");
          ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(PeerRef.parse(rs.getString(1)), k -> new LinkedHashMap<>()).put(rs.getLong(2),
              new Msg(rs.getString(3), rs.getBytes(5), 1, rs.getBoolean(4), Props.fromBytes(rs.getBytes(6),
                  rs.getLong(7))));
        }
      }
      return out;
    });
  }

  /** Keeps a QoS 1 frame for {@code peer} until it acknowledges it; completes once written. */
  CompletableFuture<Void> saveBridged(PeerRef peer, long seq, Msg m) {
    if (store == null) {
      return CompletableFuture.completedFuture(null);
    }
    return run(c -> {
      try (PreparedStatement q = c.prepareStatement(
          "MERGE INTO iot_bridge_out(peer, seq, topic, retain, payload, props, expires_at) KEY(peer, seq)"
              + " VALUES(?,?,?,?,?,?,?)")) {
        q.setString(1, peer.toString());
        q.setLong(2, seq);
        q.setString(3, m.topic());
        q.setBoolean(4, m.retain());
        q.setBytes(5, m.payload());
        q.setBytes(6, m.props().toBytes());
        q.setLong(7, m.props().expiresAt());
        return q.executeUpdate();
      }
    });
  }

  /** Forgets frames for {@code peer}: the one with {@code seq}, or all when {@code seq} is null. */
  void deleteBridged(PeerRef peer, Long seq) {
    if (store == null) {
      return;
    }
    run(c -> {
      try (PreparedStatement q = c.prepareStatement(seq == null ? "DELETE FROM iot_bridge_out WHERE peer = ?"
          : "DELETE FROM iot_bridge_out WHERE peer = ? AND seq = ?")) {
        q.setString(1, peer.toString());
        if (seq != null) {
          q.setLong(2, seq);
        }
        return q.executeUpdate();
      }
    });
  }

  /** One write and who waits for it. */
  private record Op(Store.SqlWork<?> work, CompletableFuture<Void> done) {}

  /** Queues a write; completes once it is committed (or failed, which is logged). */
  private CompletableFuture<Void> run(Store.SqlWork<?> work) {
    Op op = new Op(work, new CompletableFuture<>());
    if (closed) {
      op.done.complete(null);
    } else {
      queue.add(op);
      startWriter();
    }
    return op.done;
  }

  /**
   * The writer: takes what is queued, up to {@link #BATCH} writes, and commits them in one
   * transaction (one durable commit for many messages); if that fails, each alone, so one bad write
   * costs no other.
   */
  private void writeLoop() {
    List<Op> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, BATCH - 1);
      boolean stop = batch.removeIf(o -> o.work == null);
      try {
        store.transact(c -> {
          for (Op o : batch) {
            o.work.apply(c);
          }
          return null;
        });
      } catch (RuntimeException together) {
        for (Op o : batch) {
          try {
            store.transact(o.work);
          } catch (RuntimeException e) {
            LOG.warn("iot: store write failed: {}", e.toString());
          }
        }
      }
      batch.forEach(o -> o.done.complete(null));
      batch.clear();
      if (stop) {
        return;
      }
    }
  }

  /** Whether the writer thread runs (tests). */
  boolean writerRunning() {
    return writer != null && writer.isAlive();
  }

  /** Writes what is queued, then stops the writer. */
  void close() {
    if (writer == null || closed) {
      return;
    }
    closed = true;
    queue.add(new Op(null, new CompletableFuture<>()));
    startWriter(); // to write what is queued and stop, also when nothing had started it
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
