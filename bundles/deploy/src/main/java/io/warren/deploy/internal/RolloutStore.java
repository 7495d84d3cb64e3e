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
      """), new Store.Migration(2, """
      ALTER TABLE deploy_rollout ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT '';
      ALTER TABLE deploy_rollout ADD COLUMN source VARCHAR(4096) NOT NULL DEFAULT '';
      ALTER TABLE deploy_rollout ADD COLUMN system_dir VARCHAR(4096) NOT NULL DEFAULT '';
      ALTER TABLE deploy_rollout ADD COLUMN force_down BOOLEAN NOT NULL DEFAULT FALSE;
      ALTER TABLE deploy_rollout ADD COLUMN credentials BOOLEAN NOT NULL DEFAULT FALSE;
      ALTER TABLE deploy_rollout ADD COLUMN batch INT NOT NULL DEFAULT 1;
      ALTER TABLE deploy_rollout ADD COLUMN max_failures INT NOT NULL DEFAULT 0;
      ALTER TABLE deploy_rollout ADD COLUMN artifacts VARCHAR(16384) NOT NULL DEFAULT '';
      ALTER TABLE deploy_rollout ADD COLUMN runner VARCHAR(64) NOT NULL DEFAULT '';
      ALTER TABLE deploy_rollout_node ADD COLUMN changed VARCHAR(4096) NOT NULL DEFAULT '';
      """));

  /** A rollout: what it sends, its state (running, done, stopped, failed) and why, and how to continue it. */
  record Rollout(long id, Instant started, String what, String state, String detail, Spec spec,
      List<Target> targets) {}

  /**
   * One target of a rollout: its wave (0 is the canary), state (waiting, updating, updated, unchanged,
   * failed, rolled back, rollback failed, skipped), and the bundles the rollout changed there.
   */
  record Target(String node, int wave, String state, String detail, Instant at, List<String> changed) {}

  /**
   * What a rollout sends, kept so that the node can continue it after a restart: its kind ({@code push},
   * {@code feature}, {@code update-node}), its file and system folder, {@code --force}, whether it ran
   * with {@code --credentials} (which are never kept), its plan, and each artifact as {@code bundle sha256}.
   */
  record Spec(String kind, String source, String system, boolean force, boolean credentials, int batch,
      int maxFailures, List<String> artifacts) {}

  /**
   * This node process (its pid and start), written on each rollout it runs: a running rollout of
   * another process is one a node that stopped left unfinished, one of this process is still going.
   */
  static final String RUNNER = ProcessHandle.current().pid() + "@" + ProcessHandle.current().info().startInstant()
      .map(Instant::toString).orElse("?");

  private final Store store;

  RolloutStore(Store store) {
    this.store = store;
    store.migrate(OWNER, MIGRATIONS);
  }

  /** Records a new rollout of {@code what} to {@code waves} (each a list of nodes), all waiting; answers its id. */
  long begin(String what, List<List<String>> waves, Spec spec) {
    String artifacts = String.join("\n", spec.artifacts());
    if (artifacts.length() > 16384 || spec.source().length() > 4096 || spec.system().length() > 4096) {
      throw new IllegalArgumentException("a rollout of " + spec.artifacts().size() + " artifacts from " + spec.source()
          + " is too large to keep");
    }
    return store.transact(x -> {
      long id;
      try (PreparedStatement s = x.prepareStatement("INSERT INTO deploy_rollout(started, what, state, detail, kind,"
          + " source, system_dir, force_down, credentials, batch, max_failures, artifacts, runner)"
          + " VALUES(?,?,'running','',?,?,?,?,?,?,?,?,?)", Statement.RETURN_GENERATED_KEYS)) {
        s.setTimestamp(1, Timestamp.from(Instant.now()));
        s.setString(2, clip(what, 1024));
        s.setString(3, spec.kind());
        s.setString(4, spec.source());
        s.setString(5, spec.system());
        s.setBoolean(6, spec.force());
        s.setBoolean(7, spec.credentials());
        s.setInt(8, spec.batch());
        s.setInt(9, spec.maxFailures());
        s.setString(10, artifacts);
        s.setString(11, RUNNER);
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
    target(rollout, node, state, detail, null);
  }

  /** A target's new state; {@code changed} (unless null) the bundles the rollout changed there. */
  void target(long rollout, String node, String state, String detail, List<String> changed) {
    store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement("UPDATE deploy_rollout_node SET state = ?, detail = ?, at = ?,"
          + " changed = COALESCE(?, changed) WHERE rollout = ? AND node = ?")) {
        s.setString(1, state);
        s.setString(2, clip(detail, 4096));
        s.setTimestamp(3, Timestamp.from(Instant.now()));
        s.setString(4, changed == null ? null : clip(String.join(",", changed), 4096));
        s.setLong(5, rollout);
        s.setString(6, node);
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
    return load("ORDER BY id DESC LIMIT " + limit);
  }

  /** The rollouts left running by an earlier process of this node (it stopped during them), oldest first. */
  List<Rollout> unfinished() {
    return load("WHERE state = 'running' AND runner <> '" + RUNNER.replace("'", "") + "' ORDER BY id");
  }

  /** Makes rollout {@code id} this process's to continue; false when another process or thread took it first. */
  boolean claim(long id) {
    return store.transact(x -> {
      try (PreparedStatement s = x.prepareStatement("UPDATE deploy_rollout SET runner = ? WHERE id = ? AND state ="
          + " 'running' AND runner <> ?")) {
        s.setString(1, RUNNER);
        s.setLong(2, id);
        s.setString(3, RUNNER);
        return s.executeUpdate() == 1;
      }
    });
  }

  /** One rollout as it is now. */
  Rollout rollout(long id) {
    return load("WHERE id = " + id).get(0);
  }

  private List<Rollout> load(String where) {
    return store.transact(x -> {
      List<Rollout> out = new ArrayList<>();
      try (PreparedStatement s = x.prepareStatement("SELECT id, started, what, state, detail, kind, source,"
          + " system_dir, force_down, credentials, batch, max_failures, artifacts FROM deploy_rollout " + where)) {
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            Spec spec = new Spec(rs.getString(6), rs.getString(7), rs.getString(8), rs.getBoolean(9), rs.getBoolean(10),
                rs.getInt(11), rs.getInt(12), rs.getString(13).isEmpty() ? List.of()
                    : List.of(rs.getString(13).split("\n")));
            out.add(new Rollout(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
                rs.getString(5), spec, new ArrayList<>()));
          }
        }
      }
      try (PreparedStatement s = x.prepareStatement("SELECT node, wave, state, detail, at, changed FROM"
          + " deploy_rollout_node WHERE rollout = ? ORDER BY wave, node")) {
        for (Rollout r : out) {
          s.setLong(1, r.id());
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              r.targets().add(new Target(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                  rs.getTimestamp(5).toInstant(), rs.getString(6).isEmpty() ? List.of()
                      : List.of(rs.getString(6).split(","))));
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
