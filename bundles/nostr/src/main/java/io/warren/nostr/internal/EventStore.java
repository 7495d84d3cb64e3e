package io.warren.nostr.internal;

import io.netty.buffer.ByteBufUtil;
import io.warren.api.Store;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.KindClass;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The relay's events in the node's {@link Store}: one row per event (with its JSON as sent) and
 * one row per single-letter tag's first value, for {@code #x} filters. Replaceable and
 * addressable events keep only the latest version. Calls block: never on an event loop.
 *
 * <p>Indexes are kept small and mostly appended to, because the database rewrites every index
 * page a commit touched: events are found by {@link #idKey} (the id's first 8 bytes, a number),
 * not by the 64-character id; tags by (name, value, created_at, key), so a tag's rows are
 * appended in time order and a replaced event's rows (its tags read from its JSON) are found
 * exactly. No key constraints: schema 1's foreign key from tags to events cost a third of the
 * write throughput, and a primary key on the id would be an index on it; schema 6's tables have
 * neither, and {@link #save} keeps ids unique.
 *
 * <p>Why one class of this size: the schema, its migrations and the queries that depend on that
 * schema change together; splitting them would spread one table layout over several files.
 */
public final class EventStore {
  static final String OWNER = "nostr";
  static final List<Store.Migration> MIGRATIONS = List.of(new Store.Migration(1, """
      CREATE TABLE nostr_event(
        id CHAR(64) PRIMARY KEY,
        pubkey CHAR(64) NOT NULL,
        created_at BIGINT NOT NULL,
        kind INT NOT NULL,
        d_tag VARCHAR,
        json VARCHAR NOT NULL);
      CREATE INDEX nostr_event_created ON nostr_event(created_at DESC, id);
      CREATE INDEX nostr_event_author ON nostr_event(pubkey, kind, created_at);
      CREATE INDEX nostr_event_kind ON nostr_event(kind, created_at);
      CREATE TABLE nostr_tag(
        event_id CHAR(64) NOT NULL REFERENCES nostr_event(id) ON DELETE CASCADE,
        name CHAR(1) NOT NULL,
        tag_value VARCHAR NOT NULL);
      CREATE INDEX nostr_tag_value ON nostr_tag(name, tag_value);
      CREATE INDEX nostr_tag_event ON nostr_tag(event_id);
      """), new Store.Migration(2, """
      CREATE INDEX IF NOT EXISTS nostr_tag_lookup ON nostr_tag(name, tag_value, event_id);
      DROP INDEX IF EXISTS nostr_tag_value;
      DROP INDEX IF EXISTS nostr_tag_event;
      """), new Store.Migration(3,
      """
          ALTER TABLE nostr_event ADD COLUMN IF NOT EXISTS size INT NOT NULL DEFAULT 0;
          UPDATE nostr_event SET size = CHAR_LENGTH(json);
          CREATE INDEX IF NOT EXISTS nostr_event_oldest ON nostr_event(pubkey, created_at, id);
          CREATE TABLE IF NOT EXISTS nostr_usage(
            pubkey CHAR(64) PRIMARY KEY,
            events BIGINT NOT NULL,
            bytes BIGINT NOT NULL);
          DELETE FROM nostr_usage;
          INSERT INTO nostr_usage(pubkey, events, bytes) SELECT pubkey, COUNT(*), SUM(size) FROM nostr_event GROUP BY pubkey;
          """),
      // sizes were counted in characters: count the UTF-8 bytes stored and sent (OCTET_LENGTH is UTF-8 in H2 2)
      new Store.Migration(4,
          """
              UPDATE nostr_event SET size = OCTET_LENGTH(json) WHERE size <> OCTET_LENGTH(json);
              DELETE FROM nostr_usage;
              INSERT INTO nostr_usage(pubkey, events, bytes) SELECT pubkey, COUNT(*), SUM(size) FROM nostr_event GROUP BY pubkey;
              """),
      // CHAR columns compare by padding both sides into new cached values on every comparison, which
      // was most of the time spent in index inserts and id lookups; ids and keys are fixed-length
      // hex anyway, so VARCHAR holds the same values
      new Store.Migration(5, """
          ALTER TABLE nostr_event ALTER COLUMN id SET DATA TYPE VARCHAR(64);
          ALTER TABLE nostr_event ALTER COLUMN pubkey SET DATA TYPE VARCHAR(64);
          ALTER TABLE nostr_tag ALTER COLUMN event_id SET DATA TYPE VARCHAR(64);
          ALTER TABLE nostr_tag ALTER COLUMN name SET DATA TYPE VARCHAR(1);
          ALTER TABLE nostr_usage ALTER COLUMN pubkey SET DATA TYPE VARCHAR(64);
          """),
      // a relay's store grows by the event, and an index on the random 64-character id put every
      // insert on its own page, each rewritten at the next commit: the indexer slowed as the store
      // grew (2,100 events/s at 150,000 stored). The ids' first 8 bytes (idKey) are the index key
      // instead (8 bytes a key, compared as numbers), with no primary key on the id, and tags are
      // kept in time order per value. The key is computed from the hex here as Java's idKey does.
      // The tables are copied, not updated in place: UPDATE rewrote every row with its undo entry
      // (36 s for 100,000 events, against 8 s for the copy and its indexes). The copies replace
      // the tables after this migration is recorded (swapInSchemaSix): until then the old tables
      // are untouched, so a kill in the middle leaves a store that runs this again from the start.
      new Store.Migration(6, "DROP TABLE IF EXISTS nostr_event_v6;\n"
          + "DROP TABLE IF EXISTS nostr_tag_v6;\n"
          + "CREATE TABLE nostr_event_v6(id VARCHAR(64) NOT NULL, id_key BIGINT NOT NULL, "
          + "pubkey VARCHAR(64) NOT NULL, created_at BIGINT NOT NULL, kind INT NOT NULL, d_tag VARCHAR, "
          + "json VARCHAR NOT NULL, size INT NOT NULL DEFAULT 0);\n"
          + "INSERT INTO nostr_event_v6(id, id_key, pubkey, created_at, kind, d_tag, json, size) "
          + "SELECT id, " + idKeySql("id") + ", pubkey, created_at, kind, d_tag, json, size FROM nostr_event;\n"
          + "CREATE TABLE nostr_tag_v6(event_id VARCHAR(64) NOT NULL, event_key BIGINT NOT NULL, "
          + "created_at BIGINT NOT NULL, name VARCHAR(1) NOT NULL, tag_value VARCHAR NOT NULL);\n"
          // tag rows whose event is gone (possible since schema 1's foreign key was dropped) are left out
          + "INSERT INTO nostr_tag_v6(event_id, event_key, created_at, name, tag_value) SELECT t.event_id, "
          + idKeySql("t.event_id") + ", e.created_at, t.name, t.tag_value "
          + "FROM nostr_tag t JOIN nostr_event e ON e.id = t.event_id;\n"));

  /** The indexes of schema 6, made once its tables are in place. */
  private static final List<String> SCHEMA_SIX_INDEXES = List.of(
      "CREATE INDEX IF NOT EXISTS nostr_event_key ON nostr_event(id_key)",
      "CREATE INDEX IF NOT EXISTS nostr_event_created ON nostr_event(created_at DESC, id_key)",
      "CREATE INDEX IF NOT EXISTS nostr_event_author ON nostr_event(pubkey, kind, created_at)",
      "CREATE INDEX IF NOT EXISTS nostr_event_kind ON nostr_event(kind, created_at)",
      "CREATE INDEX IF NOT EXISTS nostr_event_oldest ON nostr_event(pubkey, created_at, id_key)",
      "CREATE INDEX IF NOT EXISTS nostr_tag_lookup ON nostr_tag(name, tag_value, created_at, event_key)");

  /**
   * The index key of an event id (64 lowercase hex digits): its first 8 bytes, with the sign bit
   * flipped so that keys order as the ids do. Two ids share a key only by a 64-bit collision, which
   * nobody finds for another's event; every lookup compares the id itself after the key.
   */
  static long idKey(String id) {
    return Long.parseUnsignedLong(id, 0, 16, 16) ^ Long.MIN_VALUE;
  }

  /** {@link #idKey} in SQL, for migrating stored ids: the first 16 hex digits summed as a number. */
  private static String idKeySql(String column) {
    StringBuilder sb = new StringBuilder("CAST(");
    for (int i = 0; i < 16; i++) {
      sb.append("(LOCATE(SUBSTRING(").append(column).append(", ").append(i + 1)
          .append(", 1), '0123456789abcdef') - 1) * CAST(")
          .append(java.math.BigInteger.ONE.shiftLeft(4 * (15 - i))).append(" AS NUMERIC(20)) + ");
    }
    return sb.append("(-9223372036854775808) AS BIGINT)").toString();
  }

  /**
   * How much the store holds at most, per author and in total (0: no limit). When a write takes
   * an author over its share, that author's oldest events go; when it takes the store over its
   * total, the oldest events of the biggest writer (by bytes when bytes are over, else by count)
   * go first, then the next biggest, until the store is within its total.
   */
  public record Quota(long eventsPerPubkey, long bytesPerPubkey, long events, long bytes) {
    public static final Quota NONE = new Quota(0, 0, 0, 0);

    public Quota {
      if (eventsPerPubkey < 0 || bytesPerPubkey < 0 || events < 0 || bytes < 0) {
        throw new IllegalArgumentException("quotas must not be negative (0: no limit)");
      }
    }

    boolean over(long n, long b, long maxN, long maxB) {
      return maxN > 0 && n > maxN || maxB > 0 && b > maxB;
    }
  }

  /** A stored event's key for a REQ: streamed in pages, newest first. */
  public record Key(String id, long createdAt, int size) {}

  /** What became of an event handed to {@link #save}. */
  public enum Outcome {
    STORED,
    /** The same id is already stored. */
    DUPLICATE,
    /** A replaceable or addressable event superseded by the stored version. */
    SUPERSEDED
  }

  /** A stored event as the query returns it: enough to order, deduplicate and send. */
  public record Row(String id, long createdAt, String json) {}

  /** Newest first; on equal created_at the lowest id first (NIP-01). */
  public static final Comparator<Row> NEWEST_FIRST =
      Comparator.comparingLong(Row::createdAt).reversed().thenComparing(Row::id);

  private final Store store;
  private final Quota quota;
  /** The group commit in front of the database ({@link #append}), or null: every write goes straight to it. */
  private final EventJournal journal;
  /** Events and bytes stored, as the usage table sums them; changed by the writer after each commit. */
  private volatile long totalEvents;
  private volatile long totalBytes;

  public EventStore(Store store) {
    this(store, Quota.NONE);
  }

  public EventStore(Store store, Quota quota) {
    this(store, quota, null);
  }

  /**
   * A store whose {@link #append} journals in {@code journalDir} (null: appends are saves); events
   * journaled by a process that did not stop cleanly are stored first.
   */
  public EventStore(Store store, Quota quota, java.nio.file.Path journalDir) {
    this.store = store;
    this.quota = quota;
    announceSchemaSixCopy();
    store.migrate(OWNER, MIGRATIONS);
    swapInSchemaSix();
    long[] t = store.transact(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT COALESCE(SUM(events), 0), COALESCE(SUM(bytes), 0) FROM nostr_usage");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    });
    totalEvents = t[0];
    totalBytes = t[1];
    this.journal = journalDir == null ? null : new EventJournal(journalDir, this::saveDeferred, store::checkpoint);
  }

  /** Stores what is journaled and stops the journal's indexer (a clean stop leaves no journal behind). */
  public void close() {
    if (journal != null) {
      journal.close();
    }
  }

  /**
   * Stores {@code events} durably, like {@link #save}, with the same outcomes: on return they
   * survive a kill of the process. With a journal, new regular events are appended to it (one
   * forced write for the batch) and reach the database tables in a later, bigger transaction;
   * queries see them meanwhile. A batch with a replaceable or addressable event waits for the
   * journal to be stored and is saved directly (which version wins is decided in the database).
   */
  public List<Outcome> append(List<Event> events) {
    if (journal == null) {
      return save(events);
    }
    for (Event e : events) {
      KindClass kc = e.kindClass();
      if (kc == KindClass.REPLACEABLE || kc == KindClass.ADDRESSABLE) {
        journal.drain();
        return save(events);
      }
    }
    // each id is looked up in the journal once: one that leaves it (its segment committed) between
    // two lookups would be in neither place the second time, and be journaled again
    List<String> ids = new ArrayList<>(events.size());
    boolean[] journaled = new boolean[events.size()];
    for (int i = 0; i < events.size(); i++) {
      journaled[i] = journal.pending(events.get(i).id()) != null;
      if (!journaled[i]) {
        ids.add(events.get(i).id());
      }
    }
    Set<String> stored = load(ids, false).keySet();
    Set<String> seen = new HashSet<>();
    List<Outcome> out = new ArrayList<>(events.size());
    List<EventJournal.Pending> fresh = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      if (!seen.add(e.id()) || journaled[i] || stored.contains(e.id())) {
        out.add(Outcome.DUPLICATE);
        continue;
      }
      String json = e.toJson();
      fresh.add(new EventJournal.Pending(e, json, ByteBufUtil.utf8Bytes(json)));
      out.add(Outcome.STORED);
    }
    journal.append(fresh);
    return out;
  }

  /** The journaled events not yet in the tables: read before the tables (an event leaves it after its commit). */
  private List<EventJournal.Pending> pending() {
    return journal == null ? List.of() : List.copyOf(journal.pending());
  }

  /** Events and bytes (of JSON, UTF-8) held, from the usage accounting. */
  public long[] usage() {
    return new long[] {totalEvents, totalBytes};
  }

  /**
   * Puts schema 6's copies of the tables in place of the old ones (tags first, the old events'
   * table last) and makes its indexes. Each step is done on every start until it is: a kill
   * between two of them leaves the rest for the next start, and no step loses a row.
   */
  private void swapInSchemaSix() {
    store.transact(c -> {
      try (java.sql.Statement s = c.createStatement()) {
        if (tableExists(c, "NOSTR_TAG_V6")) {
          s.execute("DROP TABLE IF EXISTS nostr_tag");
          s.execute("ALTER TABLE nostr_tag_v6 RENAME TO nostr_tag");
        }
        if (tableExists(c, "NOSTR_EVENT_V6")) {
          s.execute("DROP TABLE IF EXISTS nostr_event CASCADE");
          s.execute("ALTER TABLE nostr_event_v6 RENAME TO nostr_event");
        }
        for (String index : SCHEMA_SIX_INDEXES) {
          s.execute(index);
        }
      }
      return null;
    });
  }

  /** Says so when the start is about to copy a store of schema 5 or older (about 6 s per 100,000 events). */
  private void announceSchemaSixCopy() {
    long events = store.transact(c -> {
      if (!tableExists(c, "NOSTR_EVENT")) {
        return 0L;
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS "
          + "WHERE TABLE_SCHEMA = SCHEMA() AND TABLE_NAME = 'NOSTR_EVENT' AND COLUMN_NAME = 'ID_KEY'");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(1) > 0) {
          return 0L;
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM nostr_event");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
    if (events > 0) {
      org.slf4j.LoggerFactory.getLogger(EventStore.class).info(
          "Copying the relay's {} stored events to their new layout (schema 6; about 6 s per 100,000)", events);
    }
  }

  private static boolean tableExists(java.sql.Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT 1 FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = SCHEMA() AND TABLE_NAME = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private record Saved(List<Outcome> outcomes, StoreUsage usage) {}

  /**
   * Stores {@code events} in one transaction, in order; one outcome per event. Then applies the
   * {@link Quota}: the oldest events of the authors over their share, and of the biggest writers
   * while the store is over its total, are deleted in the same transaction. (Ephemeral events never
   * come here: the relay broadcasts them without storing.)
   *
   * <p>One caller at a time: an id is stored once because this method looks it up before it
   * inserts (since schema 6 no unique constraint on the id stands behind that). The relay calls it
   * from its writer thread and from the journal's indexer, and the writer drains the journal first.
   */
  public List<Outcome> save(List<Event> events) {
    return save(events, false);
  }

  /**
   * {@link #save}, committed without being written to the file at once (the journal's indexer: the
   * journal keeps the events until a {@link Store#checkpoint} has written them).
   */
  List<Outcome> saveDeferred(List<Event> events) {
    return save(events, true);
  }

  private List<Outcome> save(List<Event> events, boolean deferred) {
    Store.SqlWork<Saved> work = c -> {
      StoreUsage usage = new StoreUsage();
      List<Outcome> out = new ArrayList<>(events.size());
      Set<String> seen = new HashSet<>();
      // the batch's ids are looked up in one statement (one per event was 9 % of the indexer's
      // samples, this one 5 %); an id deleted below as a superseded version leaves the set, as a
      // lookup after the deletion would say
      Set<String> stored = new HashSet<>(storedIds(c, events.stream().map(Event::id).toList(), false).keySet());
      int tagRows = 0;
      try (PreparedStatement latest = c.prepareStatement(
          "SELECT id, created_at, json, size FROM nostr_event WHERE pubkey = ? AND kind = ?");
          PreparedStatement latestAddressable = c.prepareStatement(
              "SELECT id, created_at, json, size FROM nostr_event WHERE pubkey = ? AND kind = ? AND d_tag = ?");
          PreparedStatement delete = c.prepareStatement(DELETE_EVENT);
          PreparedStatement deleteTag = c.prepareStatement(DELETE_TAG);
          PreparedStatement insert = c.prepareStatement("INSERT INTO nostr_event(id, id_key, pubkey, created_at, kind, "
              + "d_tag, json, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
          PreparedStatement insertTag = c.prepareStatement(
              "INSERT INTO nostr_tag(event_id, event_key, created_at, name, tag_value) VALUES (?, ?, ?, ?, ?)")) {
        for (Event e : events) {
          if (!seen.add(e.id()) || stored.contains(e.id())) {
            out.add(Outcome.DUPLICATE);
            continue;
          }
          KindClass kc = e.kindClass();
          if (kc == KindClass.REPLACEABLE || kc == KindClass.ADDRESSABLE) {
            if (tagRows > 0) {
              // the versions found below may be this batch's, and their deletion takes their tag rows
              insertTag.executeBatch();
              tagRows = 0;
            }
            PreparedStatement q = kc == KindClass.REPLACEABLE ? latest : latestAddressable;
            q.setString(1, e.pubkey());
            q.setInt(2, e.kind());
            if (kc == KindClass.ADDRESSABLE) {
              q.setString(3, e.dTag());
            }
            boolean superseded = false;
            List<Event> older = new ArrayList<>();
            long olderBytes = 0;
            try (ResultSet rs = q.executeQuery()) {
              while (rs.next()) {
                if (Event.supersedes(e.createdAt(), e.id(), rs.getLong(2), rs.getString(1))) {
                  older.add(Event.parse(rs.getString(3)));
                  olderBytes += rs.getInt(4);
                } else {
                  superseded = true;
                }
              }
            }
            if (superseded) {
              out.add(Outcome.SUPERSEDED);
              continue;
            }
            for (Event old : older) {
              delete(delete, deleteTag, old);
              stored.remove(old.id());
            }
            usage.add(e.pubkey(), -older.size(), -olderBytes);
          }
          String json = e.toJson();
          long key = idKey(e.id());
          insert.setString(1, e.id());
          insert.setLong(2, key);
          insert.setString(3, e.pubkey());
          insert.setLong(4, e.createdAt());
          insert.setInt(5, e.kind());
          insert.setString(6, kc == KindClass.ADDRESSABLE ? e.dTag() : null);
          insert.setString(7, json);
          // what the quota and a REQ's output budget count: the bytes stored and sent, not characters
          int size = ByteBufUtil.utf8Bytes(json);
          insert.setInt(8, size);
          insert.executeUpdate();
          usage.add(e.pubkey(), 1, size);
          for (List<String> tag : indexedTags(e)) {
            insertTag.setString(1, e.id());
            insertTag.setLong(2, key);
            insertTag.setLong(3, e.createdAt());
            insertTag.setString(4, tag.get(0));
            insertTag.setString(5, tag.get(1));
            insertTag.addBatch();
            tagRows++;
          }
          out.add(Outcome.STORED);
        }
        if (tagRows > 0) {
          insertTag.executeBatch();
        }
      }
      StoreUsage.apply(c, usage.delta);
      StoreUsage.enforce(c, quota, totalEvents, totalBytes, usage);
      return new Saved(out, usage);
    };
    Saved saved = deferred ? store.transactDeferred(work) : store.transact(work);
    totalEvents += saved.usage().events;
    totalBytes += saved.usage().bytes;
    return saved.outcomes();
  }

  /** The tags stored for {@code #x} filters: single-letter name, first value; each pair once. */
  static Set<List<String>> indexedTags(Event e) {
    Set<List<String>> out = new java.util.LinkedHashSet<>();
    for (List<String> tag : e.tags()) {
      if (tag.size() >= 2 && tag.get(0).length() == 1 && isLetter(tag.get(0).charAt(0))) {
        out.add(List.of(tag.get(0), tag.get(1)));
      }
    }
    return out;
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** Deletes a stored event, by id, and its tag rows. */
  static final String DELETE_EVENT = "DELETE FROM nostr_event WHERE id_key = ? AND id = ?";
  static final String DELETE_TAG =
      "DELETE FROM nostr_tag WHERE name = ? AND tag_value = ? AND created_at = ? AND event_key = ? AND event_id = ?";

  /** Deletes the stored event {@code e} and its tag rows with {@link #DELETE_EVENT} and {@link #DELETE_TAG}. */
  static void delete(PreparedStatement delete, PreparedStatement deleteTag, Event e) throws SQLException {
    long key = idKey(e.id());
    for (List<String> tag : indexedTags(e)) {
      deleteTag.setString(1, tag.get(0));
      deleteTag.setString(2, tag.get(1));
      deleteTag.setLong(3, e.createdAt());
      deleteTag.setLong(4, key);
      deleteTag.setString(5, e.id());
      deleteTag.executeUpdate();
    }
    delete.setLong(1, key);
    delete.setString(2, e.id());
    delete.executeUpdate();
  }

  /**
   * The stored events matching any of {@code filters}, each filter contributing at most its
   * limit (clamped to {@code maxLimit}, {@code defaultLimit} when it has none) of its newest;
   * merged newest first without duplicates.
   */
  public List<Row> query(List<Filter> filters, int defaultLimit, int maxLimit) {
    List<EventJournal.Pending> pending = pending();
    return store.transact(c -> {
      Map<String, Row> merged = new LinkedHashMap<>();
      for (Filter f : filters) {
        int limit = Math.min(f.limit() == null ? defaultLimit : f.limit(), maxLimit);
        if (limit == 0 || f.matchesNothing()) {
          continue;
        }
        List<Row> rows = query(c, f, limit);
        if (!pending.isEmpty()) {
          Map<String, Row> both = new LinkedHashMap<>();
          for (EventJournal.Pending p : pending) {
            if (f.matches(p.event())) {
              both.put(p.event().id(), new Row(p.event().id(), p.event().createdAt(), p.json()));
            }
          }
          rows.forEach(r -> both.putIfAbsent(r.id(), r));
          rows = new ArrayList<>(both.values());
          rows.sort(NEWEST_FIRST);
          rows = rows.subList(0, Math.min(limit, rows.size()));
        }
        for (Row r : rows) {
          merged.putIfAbsent(r.id(), r);
        }
      }
      List<Row> rows = new ArrayList<>(merged.values());
      rows.sort(NEWEST_FIRST);
      return rows;
    });
  }

  /**
   * What {@link #query} would return, as keys only (id, created_at, size): a REQ streams the
   * events themselves in pages ({@link #load}), as the client reads them.
   */
  public List<Key> keys(List<Filter> filters, int defaultLimit, int maxLimit) {
    List<EventJournal.Pending> pending = pending();
    return store.transact(c -> {
      Map<String, Key> merged = new LinkedHashMap<>();
      for (Filter f : filters) {
        int limit = Math.min(f.limit() == null ? defaultLimit : f.limit(), maxLimit);
        if (limit == 0 || f.matchesNothing()) {
          continue;
        }
        Map<String, Key> mine = new LinkedHashMap<>();
        for (EventJournal.Pending p : pending) {
          if (f.matches(p.event())) {
            mine.put(p.event().id(), new Key(p.event().id(), p.event().createdAt(), p.size()));
          }
        }
        select(c, f, limit, "e.id, e.created_at, e.size", rs -> {
          Key k = new Key(rs.getString(1), rs.getLong(2), rs.getInt(3));
          mine.putIfAbsent(k.id(), k);
        });
        List<Key> keys = new ArrayList<>(mine.values());
        if (keys.size() > limit) {
          keys.sort(KEY_NEWEST_FIRST);
          keys = keys.subList(0, limit);
        }
        keys.forEach(k -> merged.putIfAbsent(k.id(), k));
      }
      List<Key> keys = new ArrayList<>(merged.values());
      keys.sort(KEY_NEWEST_FIRST);
      return keys;
    });
  }

  private static final Comparator<Key> KEY_NEWEST_FIRST =
      Comparator.comparingLong(Key::createdAt).reversed().thenComparing(Key::id);

  /** The JSON of the events {@code ids} that are still stored, by id. */
  public Map<String, String> load(List<String> ids) {
    return load(ids, true);
  }

  /** The JSON (or, without {@code json}, an empty string) of the events {@code ids} that are stored, by id. */
  private Map<String, String> load(List<String> ids, boolean json) {
    if (ids.isEmpty()) {
      return Map.of();
    }
    Map<String, String> found = new java.util.HashMap<>();
    final List<String> rest;
    if (journal != null && json) {
      rest = new ArrayList<>(ids.size());
      for (String id : ids) {
        EventJournal.Pending p = journal.pending(id);
        if (p != null) {
          found.put(id, p.json());
        } else {
          rest.add(id);
        }
      }
    } else {
      rest = ids;
    }
    found.putAll(store.transact(c -> storedIds(c, rest, json)));
    return found;
  }

  /** Ids asked for in one statement at most. */
  private static final int LOAD_CHUNK = 500;

  /**
   * The JSON (or, without {@code json}, an empty string) of those of {@code ids} stored, by id,
   * looked up {@link #LOAD_CHUNK} at a time on {@code c}.
   */
  private static Map<String, String> storedIds(Connection c, List<String> ids, boolean json) throws SQLException {
    Map<String, String> out = new java.util.HashMap<>();
    Set<String> wanted = new HashSet<>(ids);
    // one statement text whatever the number of ids (an array parameter), so the connection
    // parses it once instead of a new IN list for every batch
    try (PreparedStatement ps = c.prepareStatement(json ? "SELECT id, json FROM nostr_event WHERE id_key = ANY(?)"
        : "SELECT id, '' FROM nostr_event WHERE id_key = ANY(?)")) {
      for (int from = 0; from < ids.size(); from += LOAD_CHUNK) {
        Object[] keys = ids.subList(from, Math.min(ids.size(), from + LOAD_CHUNK)).stream()
            .map(EventStore::idKey).toArray();
        ps.setArray(1, c.createArrayOf("BIGINT", keys));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            if (wanted.contains(rs.getString(1))) {
              out.put(rs.getString(1), rs.getString(2));
            }
          }
        }
      }
    }
    return out;
  }

  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private static List<Row> query(Connection c, Filter f, int limit) throws SQLException {
    List<Row> rows = new ArrayList<>();
    select(c, f, limit, "e.id, e.created_at, e.json",
        rs -> rows.add(new Row(rs.getString(1), rs.getLong(2), rs.getString(3))));
    return rows;
  }

  private static void select(Connection c, Filter f, int limit, String columns, RowReader reader)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT " + columns + " FROM nostr_event e WHERE TRUE");
    List<Object> args = new ArrayList<>();
    if (f.ids() != null) {
      Set<Long> keys = new java.util.LinkedHashSet<>();
      f.ids().forEach(id -> keys.add(idKey(id)));
      in(sql, args, "e.id_key", keys);
    }
    in(sql, args, "e.id", f.ids());
    in(sql, args, "e.pubkey", f.authors());
    in(sql, args, "e.kind", f.kinds());
    if (f.since() != null) {
      sql.append(" AND e.created_at >= ?");
      args.add(f.since());
    }
    if (f.until() != null) {
      sql.append(" AND e.created_at <= ?");
      args.add(f.until());
    }
    for (Map.Entry<Character, Set<String>> t : f.tags().entrySet()) {
      // by key: an event whose key another event shares would match that one's tags, and only a
      // 64-bit collision makes two such events, which whoever made them could tag anyway
      sql.append(" AND e.id_key IN (SELECT t.event_key FROM nostr_tag t WHERE t.name = ?");
      args.add(String.valueOf(t.getKey()));
      in(sql, args, "t.tag_value", t.getValue());
      sql.append(')');
    }
    // the key orders as the id does (the index's order); the callers order equal keys by id
    sql.append(" ORDER BY e.created_at DESC, e.id_key ASC LIMIT ?");
    args.add(limit);
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          reader.read(rs);
        }
      }
    }
  }

  private static void in(StringBuilder sql, List<Object> args, String column, Set<?> values) {
    if (values == null) {
      return;
    }
    sql.append(" AND ").append(column).append(" IN (");
    int i = 0;
    for (Object v : values) {
      sql.append(i++ == 0 ? "?" : ", ?");
      args.add(v);
    }
    sql.append(')');
  }

  /** How many events are stored (the journaled ones included). */
  public long count() {
    java.util.function.LongSupplier stored = () -> store.transact(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM nostr_event");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
    return journal == null ? stored.getAsLong() : journal.count(stored);
  }

}
