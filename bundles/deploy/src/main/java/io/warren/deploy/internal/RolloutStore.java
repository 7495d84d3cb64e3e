package io.warren.deploy.internal;

import io.warren.api.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Rollouts this node ran or runs ({@code deploy:push|update-node --all|--network}) and each target's
 * progress, in the node's store, so {@code deploy:rollouts} shows them from any console. Calls block.
 */
final class RolloutStore {
  static final String OWNER = "deploy.rollout";
  static final List<Store.Migration> MIGRATIONS = List.of(new Store.Migration(1, """
      CREATE TABLE deploy_rollout(
        id BIGINT AUTO_INCREMENT PRIMARY KEY,
        started TIMESTAMP NOT NULL,
        what VARCHAR(1024) NOT NULL,
        state VARCHAR(32) NOT NULL,
        detail VARCHAR(4096) NOT NULL);
      CREATE TABLE deploy_rollout_node(
        rollout BIGINT NOT NULL,
        node VARCHAR(255) NOT NULL,
        wave INT NOT NULL,
        state VARCHAR(32) NOT NULL,
        detail VARCHAR(4096) NOT NULL,
        at TIMESTAMP NOT NULL,
        PRIMARY KEY(rollout, node));
      """));

  /** A rollout: what it sends, its state (running, done, stopped) and why. */
  record Rollout(long id, Instant started, String what, String state, String detail, List<Target> targets) {}

  /** One target of a rollout: its wave (0 is the canary), state (waiting, updating, updated, failed, rolled back). */
  record Target(String node, int wave, String state, String detail, Instant at) {}

  private final Store store;

  RolloutStore(Store store) {
    this.store = store;
    store.migrate(OWNER, MIGRATIONS);
  }

  /** Records a new rollout of {@code what} to {@code waves} (each a list of nodes), all waiting; answers its id. */
  long begin(String what, List<List<String>> waves) {
    return store.transact(x -> {
      long id;
      try (PreparedStatement s = x.prepareStatement("INSERT INTO deploy_rollout(started, what, state, detail)"
          + " VALUES(?,?,'running','')", Statement.RETURN_GENERATED_KEYS)) {
        s.setTimestamp(1, Timestamp.from(Instant.now()));
        s.setString(2, clip(what, 1024));
        s.executeUpdate();
        try (ResultSet rs = s.getGeneratedKeys()) {
          rs.next();
          id = rs.getLong(1);
        }
      }
      try (PreparedStatement s = x.prepareStatement("INSERT INTO deploy_rollout_node(rollout, node, wave, state,"
          + " detail, at) VALUES(?,?,?,'waiting','',?)")) {
        for (int w = 0; w < waves.size(); w++) {
          for (String node : waves.get(w)) {
            s.setLong(1, id);
            s.setString(2, node);
            s.setInt(3, w);
            s.setTimestamp(4, Timestamp.from(Instant.now()));
            s.executeUpdate();
          }
        }
      }
      return id;
    });
  }

  void target(long rollout, String node, String state, String detail) {
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement("UPDATE deploy_rollout_node SET state = ?, detail = ?, at = ?"
          + " WHERE rollout = ? AND node = ?")) {
        s.setString(1, state);
        s.setString(2, clip(detail, 4096));
        s.setTimestamp(3, Timestamp.from(Instant.now()));
        s.setLong(4, rollout);
        s.setString(5, node);
        return s.executeUpdate();
      }
    });
  }

  void finish(long rollout, String state, String detail) {
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement("UPDATE deploy_rollout SET state = ?, detail = ? WHERE id = ?")) {
        s.setString(1, state);
        s.setString(2, clip(detail, 4096));
        s.setLong(3, rollout);
        return s.executeUpdate();
      }
    });
  }

  /** The newest rollouts first, at most {@code limit}, each with its targets by wave. */
  List<Rollout> rollouts(int limit) {
    return store.transact(x -> {
      List<Rollout> out = new ArrayList<>();
      try (PreparedStatement s = x.prepareStatement(
          "SELECT id, started, what, state, detail FROM deploy_rollout ORDER BY id DESC LIMIT ?")) {
        s.setInt(1, limit);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            out.add(new Rollout(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
                rs.getString(5), new ArrayList<>()));
          }
        }
      }
      try (PreparedStatement s = x.prepareStatement("SELECT node, wave, state, detail, at FROM deploy_rollout_node"
          + " WHERE rollout = ? ORDER BY wave, node")) {
        for (Rollout r : out) {
          s.setLong(1, r.id());
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              r.targets().add(new Target(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                  rs.getTimestamp(5).toInstant()));
            }
          }
        }
      }
      return out;
    });
  }

  private static String clip(String s, int max) {
    return s.length() > max ? s.substring(0, max - 3) + "..." : s;
  }
}
