package io.warren.store.internal;

import io.warren.api.NodeProperties;
import io.warren.api.Store;
import io.warren.api.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's database: one H2 file under {@code <data>/db}, a small pool of connections, and a
 * {@code warren_schema} table recording each owner's schema version.
 *
 * <p>Every commit that changed something is written to the file before {@link #transact} returns (a
 * {@code CHECKPOINT} after it: H2 stores a chunk with every page changed since the last, in the
 * calling thread), so a process killed with SIGKILL loses nothing that was reported as stored;
 * {@code H2StoreCrashTest} kills writers to hold it to that. {@link #transactDeferred} commits without
 * it: H2 writes those commits in the background every {@link #WRITE_DELAY_MILLIS} ms ({@code
 * WRITE_DELAY}), or with the next checkpoint. The relay's indexer commits its journal segments so
 * and deletes them after a checkpoint a second: its random id index touches a page per event, and
 * writing those pages at each 512-event commit was a third of the indexer's time.
 * It relies on H2 2.4.240: 2.5.252 wrote the file's header naming the chunk before the one it had
 * just written into reused space, and after a kill came back without its latest commits. Commits
 * are not forced to the disk (H2 forces the file only when it closes, compacts or shrinks it), so a power
 * cut or a kernel crash can lose the last ones; what must survive those too is also journalled in
 * forced files by its bundle (the relay's events, an update in progress).
 */
@Component(service = Store.class, immediate = true, configurationPid = "io.warren.store")
@Designate(ocd = H2Store.Config.class)
public final class H2Store implements Store {
  private static final Logger LOG = LoggerFactory.getLogger(H2Store.class);

  @ObjectClassDefinition(name = "Warren store", description = "The node's embedded database")
  public @interface Config {
    @AttributeDefinition(description = "Open connections kept for concurrent transactions (1-32)")
    int pool_size() default 4;

    @AttributeDefinition(description = "Seconds a caller waits for a free connection (1-600)")
    int acquire_timeout_seconds() default 30;
  }

  record Settings(Path directory, int poolSize, int acquireTimeoutSeconds) {
    static Settings of(Path directory, Config config) {
      if (config.pool_size() < 1 || config.pool_size() > 32) {
        throw new IllegalArgumentException("io.warren.store: pool.size must be 1-32, got " + config.pool_size());
      }
      if (config.acquire_timeout_seconds() < 1 || config.acquire_timeout_seconds() > 600) {
        throw new IllegalArgumentException(
            "io.warren.store: acquire.timeout.seconds must be 1-600, got " + config.acquire_timeout_seconds());
      }
      return new Settings(directory, config.pool_size(), config.acquire_timeout_seconds());
    }
  }

  /** How soon H2 writes a commit of {@link #transactDeferred} to the file without a checkpoint. */
  static final int WRITE_DELAY_MILLIS = 1000;

  private final Settings settings;
  private final BlockingQueue<Connection> pool;
  private final List<Connection> all = new ArrayList<>();

  @Activate
  public H2Store(BundleContext context, Config config) {
    this(Settings.of(dataDir(context).resolve("db"), config));
  }

  /** Opens a store outside OSGi, with the defaults {@link Config} declares (for tests of other bundles). */
  public static H2Store open(Path directory) {
    return new H2Store(Settings.of(directory, defaults()));
  }

  /** A {@link Config} answering every attribute with its declared default. */
  static Config defaults() {
    return (Config) java.lang.reflect.Proxy.newProxyInstance(Config.class.getClassLoader(),
        new Class<?>[] {Config.class},
        (proxy, method, args) -> method.getDefaultValue());
  }

  H2Store(Settings settings) {
    this.settings = settings;
    this.pool = new ArrayBlockingQueue<>(settings.poolSize());
    try {
      Files.createDirectories(settings.directory());
      String url = "jdbc:h2:file:" + settings.directory().resolve("warren").toAbsolutePath()
          + ";WRITE_DELAY=" + WRITE_DELAY_MILLIS + ";DB_CLOSE_ON_EXIT=FALSE";
      org.h2.Driver driver = new org.h2.Driver();
      for (int i = 0; i < settings.poolSize(); i++) {
        Connection c = driver.connect(url, new Properties());
        c.setAutoCommit(false);
        all.add(c);
        pool.add(c);
      }
      transact(c -> {
        try (Statement s = c.createStatement()) {
          s.execute("CREATE TABLE IF NOT EXISTS warren_schema("
              + "owner VARCHAR(128) PRIMARY KEY, version INT NOT NULL)");
        }
        return null;
      });
      LOG.info("Store open at {}", settings.directory());
    } catch (Exception e) {
      close();
      throw new StoreException("cannot open the database in " + settings.directory() + ": " + e.getMessage(), e);
    }
  }

  private static Path dataDir(BundleContext context) {
    String dir = context.getProperty(NodeProperties.DATA_DIR);
    if (dir == null) {
      throw new IllegalStateException("framework property " + NodeProperties.DATA_DIR + " is not set");
    }
    return Path.of(dir);
  }

  @Deactivate
  public void close() {
    for (Connection c : all) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.warn("Closing a store connection failed", e);
      }
    }
    all.clear();
    pool.clear();
  }

  @Override
  public void migrate(String owner, List<Migration> migrations) {
    int current = transact(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT version FROM warren_schema WHERE owner = ?")) {
        ps.setString(1, owner);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getInt(1) : 0;
        }
      }
    });
    List<Migration> sorted = new ArrayList<>(migrations);
    sorted.sort((a, b) -> Integer.compare(a.version(), b.version()));
    int highest = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1).version();
    if (current > highest) {
      throw new StoreException("schema of " + owner + " is at version " + current
          + " but this bundle knows only up to " + highest + " (downgrade is not supported)");
    }
    for (Migration m : sorted) {
      if (m.version() <= current) {
        continue;
      }
      try {
        transact(c -> {
          try (Statement s = c.createStatement()) {
            s.execute(m.sql());
          }
          try (PreparedStatement ps = c.prepareStatement("MERGE INTO warren_schema KEY(owner) VALUES (?, ?)")) {
            ps.setString(1, owner);
            ps.setInt(2, m.version());
            ps.executeUpdate();
          }
          return null;
        });
      } catch (StoreException e) {
        throw new StoreException("schema migration " + owner + " v" + m.version() + " failed: "
            + e.getCause().getMessage(), e.getCause());
      }
      LOG.info("Schema of {} migrated to version {}", owner, m.version());
    }
  }

  @Override
  public <T> T transact(SqlWork<T> work) {
    return run(work, true);
  }

  @Override
  public <T> T transactDeferred(SqlWork<T> work) {
    return run(work, false);
  }

  @Override
  public void checkpoint() {
    run(c -> {
      checkpoint(c);
      return null;
    }, false);
  }

  /** Makes H2 write every commit so far to the file (MVStore's commit: a chunk of the changed pages). */
  private static void checkpoint(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CHECKPOINT");
    }
  }

  /**
   * Whether the connection's open transaction changed anything (a read-only one needs no write):
   * H2's {@code TRANSACTION_ID()} is null while the session's transaction has no change, the same
   * test as {@code INFORMATION_SCHEMA.SESSIONS.CONTAINS_UNCOMMITTED}, without building a row for
   * every open session.
   */
  static boolean changed(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT TRANSACTION_ID() IS NOT NULL");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  private <T> T run(SqlWork<T> work, boolean durable) {
    Connection c;
    try {
      c = pool.poll(settings.acquireTimeoutSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for a database connection", e);
    }
    if (c == null) {
      throw new StoreException("no database connection free after " + settings.acquireTimeoutSeconds() + " s");
    }
    try {
      T result = work.apply(c);
      boolean write = durable && changed(c);
      c.commit();
      if (write) {
        checkpoint(c);
      }
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      if (e instanceof StoreException se) {
        throw se;
      }
      throw new StoreException("database work failed: " + e.getMessage(), e);
    } finally {
      pool.add(c);
    }
  }
}
