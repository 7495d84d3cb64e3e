package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.internal.EventStore.Outcome;
import io.warren.store.internal.H2Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventStoreTest {
  private static final byte[] ALICE = Bip340.newSecretKey();
  private static final byte[] BOB = Bip340.newSecretKey();
  @TempDir Path dir;
  private H2Store h2;
  private EventStore store;

  @BeforeEach
  void open() {
    h2 = H2Store.open(dir);
    store = new EventStore(h2);
  }

  @AfterEach
  void close() {
    h2.close();
  }

  private static Event ev(byte[] key, long at, int kind, String content, String... tagPairs) {
    List<List<String>> tags = new ArrayList<>();
    for (int i = 0; i < tagPairs.length; i += 2) {
      tags.add(List.of(tagPairs[i], tagPairs[i + 1]));
    }
    return Event.sign(key, at, kind, tags, content);
  }

  private List<String> ids(String... filters) {
    List<Filter> fs = new ArrayList<>();
    for (String f : filters) {
      fs.add(Filter.parse(f));
    }
    return store.query(fs, 100, 1000).stream().map(EventStore.Row::id).toList();
  }

  @Test
  void regularEventsAreKeptAndServedNewestFirstWithTiesByLowestId() {
    Event a = ev(ALICE, 10, 1, "a");
    Event b = ev(ALICE, 30, 1, "b");
    Event c1 = ev(BOB, 20, 1, "c1");
    Event c2 = ev(BOB, 20, 1, "c2");
    assertEquals(List.of(Outcome.STORED, Outcome.STORED, Outcome.STORED, Outcome.STORED, Outcome.DUPLICATE),
        store.save(List.of(a, b, c1, c2, a)));
    assertEquals(List.of(Outcome.DUPLICATE), store.save(List.of(b)));
    String low = c1.id().compareTo(c2.id()) < 0 ? c1.id() : c2.id();
    String high = low.equals(c1.id()) ? c2.id() : c1.id();
    assertEquals(List.of(b.id(), low, high, a.id()), ids("{}"));
    assertEquals(List.of(b.id(), low), ids("{\"limit\":2}"));
    assertEquals(4, store.count());
  }

  @Test
  void everyFilterKindWorksInSqlAsInMemory() {
    Event a = ev(ALICE, 10, 1, "a", "e", "f".repeat(64), "t", "x");
    Event b = ev(BOB, 20, 7, "b", "p", alicePub(), "t", "y");
    Event c = ev(BOB, 30, 1, "c", "T", "x");
    store.save(List.of(a, b, c));
    assertEquals(List.of(a.id()), ids("{\"ids\":[\"" + a.id() + "\"]}"));
    assertEquals(List.of(c.id(), b.id()), ids("{\"authors\":[\"" + b.pubkey() + "\"]}"));
    assertEquals(List.of(b.id()), ids("{\"kinds\":[7]}"));
    assertEquals(List.of(a.id()), ids("{\"#e\":[\"" + "f".repeat(64) + "\"]}"));
    assertEquals(List.of(b.id()), ids("{\"#p\":[\"" + alicePub() + "\"]}"));
    assertEquals(List.of(b.id(), a.id()), ids("{\"#t\":[\"x\",\"y\"]}"));
    assertEquals(List.of(c.id()), ids("{\"#T\":[\"x\"]}"));
    assertEquals(List.of(c.id(), b.id()), ids("{\"since\":20}"));
    assertEquals(List.of(b.id(), a.id()), ids("{\"until\":20}"));
    assertEquals(List.of(), ids("{\"kinds\":[1],\"#t\":[\"y\"]}"));
    assertEquals(List.of(c.id(), a.id()), ids("{\"kinds\":[7],\"limit\":0}", "{\"ids\":[\"" + a.id() + "\"]}",
        "{\"authors\":[\"" + c.pubkey() + "\"],\"kinds\":[1]}"), "several filters are OR-ed, merged newest first");
    for (String f : List.of("{}", "{\"#t\":[\"x\"]}", "{\"authors\":[\"" + b.pubkey() + "\"],\"since\":25}")) {
      Filter filter = Filter.parse(f);
      List<String> inMemory = new ArrayList<>();
      for (Event e : List.of(c, b, a)) {
        if (filter.matches(e)) {
          inMemory.add(e.id());
        }
      }
      assertEquals(inMemory, ids(f), f);
    }
  }

  private static String alicePub() {
    return java.util.HexFormat.of().formatHex(Bip340.publicKey(ALICE));
  }

  @Test
  void replaceableKindsKeepOnlyTheLatestPerPubkeyAndKind() {
    Event v1 = ev(ALICE, 100, 0, "v1");
    Event v2 = ev(ALICE, 200, 0, "v2");
    Event other = ev(BOB, 50, 0, "bob");
    Event list = ev(ALICE, 10, 10002, "relays");
    assertEquals(List.of(Outcome.STORED, Outcome.STORED, Outcome.STORED, Outcome.STORED),
        store.save(List.of(v1, v2, other, list)));
    assertEquals(List.of(v2.id()), ids("{\"authors\":[\"" + v1.pubkey() + "\"],\"kinds\":[0]}"));
    assertEquals(List.of(Outcome.SUPERSEDED), store.save(List.of(ev(ALICE, 150, 0, "late"))));
    assertEquals(List.of(v2.id()), ids("{\"authors\":[\"" + v1.pubkey() + "\"],\"kinds\":[0]}"));
    assertEquals(List.of(other.id()), ids("{\"authors\":[\"" + other.pubkey() + "\"],\"kinds\":[0]}"));
    assertEquals(List.of(list.id()), ids("{\"kinds\":[10002]}"));
  }

  @Test
  void onEqualCreatedAtTheLowestIdIsKeptWhateverTheOrderOfArrival() {
    Event x = ev(ALICE, 500, 3, "x");
    Event y = ev(ALICE, 500, 3, "y");
    Event low = x.id().compareTo(y.id()) < 0 ? x : y;
    Event high = low == x ? y : x;
    assertEquals(List.of(Outcome.STORED, Outcome.STORED), store.save(List.of(high, low)));
    assertEquals(List.of(low.id()), ids("{\"kinds\":[3]}"));
    assertEquals(List.of(Outcome.SUPERSEDED), store.save(List.of(high)));
    assertEquals(List.of(low.id()), ids("{\"kinds\":[3]}"));
  }

  @Test
  void addressableKindsKeepTheLatestPerPubkeyKindAndDTag() {
    Event a1 = ev(ALICE, 1, 30023, "a1", "d", "post-a");
    Event a2 = ev(ALICE, 2, 30023, "a2", "d", "post-a");
    Event b1 = ev(ALICE, 1, 30023, "b1", "d", "post-b");
    Event none = ev(ALICE, 1, 30023, "no d tag");
    Event emptyD = ev(ALICE, 2, 30023, "empty d", "d", "");
    Event bob = ev(BOB, 1, 30023, "bob", "d", "post-a");
    store.save(List.of(a1, b1, a2, none, emptyD, bob));
    assertEquals(List.of(emptyD.id(), a2.id(), b1.id(), bob.id()).stream().sorted().toList(),
        ids("{\"kinds\":[30023]}").stream().sorted().toList(), "a missing d tag counts as the empty d tag");
    assertEquals(List.of(a2.id()), ids("{\"#d\":[\"post-a\"],\"authors\":[\"" + a1.pubkey() + "\"]}"));
    assertEquals(List.of(Outcome.SUPERSEDED), store.save(List.of(a1)));
  }

  @Test
  void idKeysOrderAsTheIdsDo() {
    List<String> ids =
        new ArrayList<>(List.of("0".repeat(64), "f".repeat(64), "7" + "f".repeat(63), "8" + "0".repeat(63)));
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 500; i++) {
      byte[] b = new byte[32];
      r.nextBytes(b);
      ids.add(java.util.HexFormat.of().formatHex(b));
    }
    List<String> byId = ids.stream().sorted().toList();
    List<String> byKey = ids.stream().sorted(java.util.Comparator.comparingLong(EventStore::idKey)).toList();
    assertEquals(byId, byKey);
    assertEquals(Long.MIN_VALUE, EventStore.idKey("0".repeat(64)));
    assertEquals(Long.MAX_VALUE, EventStore.idKey("f".repeat(64)));
  }

  @Test
  void anEventSharingItsKeyWithAStoredOneIsNotTakenForIt() {
    Event real = ev(ALICE, 10, 1, "real", "t", "x");
    // a row whose id differs from the real event's only after the 16 digits of the key
    String twin = real.id().substring(0, 63) + (real.id().endsWith("0") ? "1" : "0");
    h2.transact(c -> {
      try (var ps = c.prepareStatement("INSERT INTO nostr_event(id, id_key, pubkey, created_at, kind, json, size) "
          + "VALUES (?, ?, ?, 10, 1, '{}', 2)")) {
        ps.setString(1, twin);
        ps.setLong(2, EventStore.idKey(twin));
        ps.setString(3, real.pubkey());
        ps.executeUpdate();
      }
      return null;
    });
    assertEquals(List.of(Outcome.STORED), store.save(List.of(real)), "not a duplicate of the twin");
    assertEquals(List.of(Outcome.DUPLICATE), store.save(List.of(real)));
    assertEquals(List.of(real.id()), ids("{\"ids\":[\"" + real.id() + "\"]}"));
    assertEquals(java.util.Set.of(real.id()), store.load(List.of(real.id())).keySet());
  }

  private long tagRows(String eventId) {
    return h2.transact(c -> {
      try (var ps = c.prepareStatement("SELECT COUNT(*) FROM nostr_tag WHERE event_id = ?")) {
        ps.setString(1, eventId);
        try (var rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  @Test
  void aReplacedEventTakesItsTagsWithIt() {
    Event v1 = ev(ALICE, 100, 3, "follows", "p", "aa", "p", "bb", "t", "old", "t", "old");
    Event v2 = ev(ALICE, 200, 3, "follows", "p", "bb", "t", "new");
    store.save(List.of(v1));
    assertEquals(3, tagRows(v1.id()), "one row per distinct single-letter tag and first value");
    assertEquals(List.of(v1.id()), ids("{\"#t\":[\"old\"]}"));
    store.save(List.of(v2));
    assertEquals(0, tagRows(v1.id()));
    assertEquals(List.of(), ids("{\"#t\":[\"old\"]}"));
    assertEquals(List.of(), ids("{\"#p\":[\"aa\"]}"));
    assertEquals(List.of(v2.id()), ids("{\"#p\":[\"bb\"]}"));
    assertEquals(List.of(v2.id()), ids("{\"#t\":[\"new\"]}"));
  }

  @Test
  void aVersionReplacedInTheSameBatchTakesItsTagsWithIt() {
    Event v1 = ev(ALICE, 100, 3, "follows", "p", "aa", "t", "old");
    Event v2 = ev(ALICE, 200, 3, "follows", "p", "bb", "t", "new");
    Event note = ev(BOB, 150, 1, "note", "t", "old");
    assertEquals(List.of(Outcome.STORED, Outcome.STORED, Outcome.STORED), store.save(List.of(v1, note, v2)));
    assertEquals(0, tagRows(v1.id()), "v1's tag rows were written and deleted in the same batch");
    assertEquals(List.of(note.id()), ids("{\"#t\":[\"old\"]}"));
    assertEquals(List.of(), ids("{\"#p\":[\"aa\"]}"));
    assertEquals(List.of(v2.id()), ids("{\"#p\":[\"bb\"]}"));
  }

  @Test
  void aStoredVersionReplacedEarlierInTheBatchIsSupersededNotADuplicate() {
    Event v1 = ev(ALICE, 100, 0, "v1");
    Event v2 = ev(ALICE, 200, 0, "v2");
    Event note = ev(ALICE, 50, 1, "note");
    store.save(List.of(v1, note));
    assertEquals(List.of(Outcome.STORED, Outcome.SUPERSEDED, Outcome.DUPLICATE, Outcome.DUPLICATE),
        store.save(List.of(v2, v1, note, v2)));
    assertEquals(List.of(v2.id()), ids("{\"kinds\":[0]}"));
    assertEquals(List.of(note.id()), ids("{\"kinds\":[1]}"));
  }

  @Test
  void aBatchLargerThanOneLookupFindsEveryStoredEvent() {
    List<Event> first = new ArrayList<>();
    for (int i = 0; i < 1_100; i++) {
      first.add(ev(i % 2 == 0 ? ALICE : BOB, 1_000 + i, 1, "n" + i));
    }
    store.save(first.subList(0, 600));
    List<Outcome> out = store.save(first);
    assertEquals(600, out.stream().filter(o -> o == Outcome.DUPLICATE).count());
    assertEquals(500, out.stream().filter(o -> o == Outcome.STORED).count());
    assertEquals(Outcome.STORED, out.get(600));
    assertEquals(1_100, store.count());
  }

  @Test
  void aSchemaOneStoreIsMigratedWithoutLosingAnything() {
    h2.close();
    java.nio.file.Path old = dir.resolve("old");
    h2 = H2Store.open(old);
    h2.migrate(EventStore.OWNER, List.of(EventStore.MIGRATIONS.get(0))); // as the previous release left it
    Event v1 = ev(ALICE, 100, 0, "profile", "t", "x");
    Event note = ev(BOB, 5, 1, "note", "t", "x");
    h2.transact(c -> {
      for (Event e : List.of(v1, note)) {
        try (
            var ins = c
                .prepareStatement("INSERT INTO nostr_event(id, pubkey, created_at, kind, json) VALUES (?, ?, ?, ?, ?)");
            var tag = c.prepareStatement("INSERT INTO nostr_tag(event_id, name, tag_value) VALUES (?, 't', 'x')")) {
          ins.setString(1, e.id());
          ins.setString(2, e.pubkey());
          ins.setLong(3, e.createdAt());
          ins.setInt(4, e.kind());
          ins.setString(5, e.toJson());
          ins.executeUpdate();
          tag.setString(1, e.id());
          tag.executeUpdate();
        }
      }
      return null;
    });
    store = new EventStore(h2);
    List<String> left = h2.transact(c -> {
      List<String> out = new ArrayList<>();
      try (var rs = c.createStatement().executeQuery("SELECT CONSTRAINT_TYPE FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS "
          + "WHERE TABLE_NAME = 'NOSTR_TAG'")) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      try (var rs = c.createStatement().executeQuery("SELECT INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES "
          + "WHERE TABLE_NAME = 'NOSTR_TAG'")) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    });
    assertEquals(List.of("NOSTR_TAG_LOOKUP"), left, "the foreign key and the two old indexes are gone");
    List<String> types = h2.transact(c -> {
      List<String> out = new ArrayList<>();
      try (var rs = c.createStatement().executeQuery("SELECT DISTINCT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS "
          + "WHERE TABLE_NAME IN ('NOSTR_EVENT', 'NOSTR_TAG', 'NOSTR_USAGE') "
          + "AND COLUMN_NAME IN ('ID', 'PUBKEY', 'EVENT_ID', 'NAME')")) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    });
    assertEquals(List.of("CHARACTER VARYING"), types, "ids, keys and tag names are VARCHAR since schema 5");
    List<String> keysWrong = h2.transact(c -> {
      List<String> out = new ArrayList<>();
      try (var rs = c.createStatement().executeQuery("SELECT id, id_key FROM nostr_event")) {
        while (rs.next()) {
          if (rs.getLong(2) != EventStore.idKey(rs.getString(1))) {
            out.add(rs.getString(1));
          }
        }
      }
      try (var rs = c.createStatement().executeQuery("SELECT event_id, event_key, created_at FROM nostr_tag")) {
        while (rs.next()) {
          if (rs.getLong(2) != EventStore.idKey(rs.getString(1)) || rs.getLong(3) != (rs.getString(1)
              .equals(v1.id()) ? v1.createdAt() : note.createdAt())) {
            out.add("tag of " + rs.getString(1));
          }
        }
      }
      return out;
    });
    assertEquals(List.of(), keysWrong, "schema 6 computed each stored id's key in SQL as idKey does");
    assertEquals(0L, (long) h2.transact(c -> {
      try (var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS "
          + "WHERE TABLE_NAME = 'NOSTR_EVENT' AND CONSTRAINT_TYPE = 'PRIMARY KEY'")) {
        rs.next();
        return rs.getLong(1);
      }
    }), "events are found by key: the primary key on the id is gone");
    assertEquals(List.of(Outcome.DUPLICATE), store.save(List.of(note)), "a migrated id is still found");
    assertEquals(List.of(v1.id(), note.id()), ids("{\"#t\":[\"x\"]}"));
    Event v2 = ev(ALICE, 200, 0, "profile 2");
    assertEquals(List.of(Outcome.STORED), store.save(List.of(v2)));
    assertEquals(List.of(note.id()), ids("{\"#t\":[\"x\"]}"), "the replaced event's tag row left with it");
    assertEquals(0, tagRows(v1.id()));
    h2.close();
    h2 = H2Store.open(old);
    store = new EventStore(h2); // a second start finds nothing left to do
    assertEquals(List.of(note.id()), ids("{\"#t\":[\"x\"]}"));
  }

  /** A store as schema 5 left it, holding {@code events} with their tags, in {@code dir/name}. */
  private void schemaFiveStore(String name, List<Event> events) {
    h2.close();
    h2 = H2Store.open(dir.resolve(name));
    h2.migrate(EventStore.OWNER, EventStore.MIGRATIONS.subList(0, 5));
    h2.transact(c -> {
      insertAsBeforeSchemaSix(c, events);
      return null;
    });
  }

  /** Inserts rows as stores before schema 6 held them, sizes counted in characters as schema 3 did. */
  private static void insertAsBeforeSchemaSix(java.sql.Connection c, List<Event> events) throws java.sql.SQLException {
    try (var ins = c.prepareStatement(
        "INSERT INTO nostr_event(id, pubkey, created_at, kind, json, size) VALUES (?, ?, ?, ?, ?, ?)");
        var tag = c.prepareStatement("INSERT INTO nostr_tag(event_id, name, tag_value) VALUES (?, ?, ?)")) {
      for (Event e : events) {
        ins.setString(1, e.id());
        ins.setString(2, e.pubkey());
        ins.setLong(3, e.createdAt());
        ins.setInt(4, e.kind());
        ins.setString(5, e.toJson());
        ins.setInt(6, e.toJson().length());
        ins.executeUpdate();
        for (List<String> t : EventStore.indexedTags(e)) {
          tag.setString(1, e.id());
          tag.setString(2, t.get(0));
          tag.setString(3, t.get(1));
          tag.executeUpdate();
        }
      }
    }
  }

  @Test
  void aKillInsideSchemaSixsCopyLeavesAStoreThatMigratesOnTheNextStart() {
    Event tagged = ev(ALICE, 10, 1, "tagged", "t", "x");
    Event other = ev(BOB, 20, 1, "other");
    schemaFiveStore("killed-copy", List.of(tagged, other));
    // H2 commits at each DDL statement: killed inside migration 6, the copy is half made and the
    // recorded version still 5
    h2.transact(c -> {
      try (var st = c.createStatement()) {
        st.execute("CREATE TABLE nostr_event_v6(id VARCHAR(64), half INT)");
        st.execute("INSERT INTO nostr_event_v6 VALUES ('" + tagged.id() + "', 1)");
      }
      return null;
    });
    store = new EventStore(h2);
    assertEquals(List.of(other.id(), tagged.id()), ids("{}"));
    assertEquals(List.of(tagged.id()), ids("{\"#t\":[\"x\"]}"));
    assertEquals(1, tagRows(tagged.id()));
    assertEquals(List.of(Outcome.DUPLICATE), store.save(List.of(tagged)));
  }

  @Test
  void aKillWhileSchemaSixsTablesAreSwappedInLosesNothing() {
    Event tagged = ev(ALICE, 10, 1, "tagged", "t", "x");
    Event other = ev(BOB, 20, 1, "other", "t", "y");
    schemaFiveStore("killed-swap", List.of(tagged, other));
    // migration 6 recorded, then killed after the old tag table was dropped, before its copy was renamed
    h2.migrate(EventStore.OWNER, EventStore.MIGRATIONS);
    h2.transact(c -> {
      c.createStatement().execute("DROP TABLE nostr_tag");
      return null;
    });
    store = new EventStore(h2);
    assertEquals(List.of(other.id(), tagged.id()), ids("{}"));
    assertEquals(List.of(tagged.id()), ids("{\"#t\":[\"x\"]}"));
    assertEquals(List.of(other.id()), ids("{\"#t\":[\"y\"]}"));
    assertEquals(List.of(Outcome.DUPLICATE), store.save(List.of(other)));
    h2.close();
    h2 = H2Store.open(dir.resolve("killed-swap"));
    store = new EventStore(h2); // a second start finds nothing left to do
    assertEquals(List.of(other.id(), tagged.id()), ids("{}"));
  }

  @Test
  void anAuthorOverItsQuotaLosesItsOldestEventsFirst() {
    h2.close();
    h2 = H2Store.open(dir);
    store = new EventStore(h2, new EventStore.Quota(3, 0, 0, 0));
    Event a1 = ev(ALICE, 10, 1, "a1", "t", "q");
    Event a2 = ev(ALICE, 20, 1, "a2");
    Event a3 = ev(ALICE, 30, 1, "a3");
    Event a4 = ev(ALICE, 40, 1, "a4");
    Event b1 = ev(BOB, 5, 1, "b1");
    store.save(List.of(a1, a2, b1));
    store.save(List.of(a3, a4));
    assertEquals(List.of(a4.id(), a3.id(), a2.id()), ids("{\"authors\":[\"" + a1.pubkey() + "\"]}"));
    assertEquals(List.of(b1.id()), ids("{\"authors\":[\"" + b1.pubkey() + "\"]}"), "others keep theirs");
    assertEquals(List.of(), ids("{\"#t\":[\"q\"]}"), "the tags of a deleted event go with it");
    assertEquals(4, store.count());
    assertEquals(4, store.usage()[0]);
  }

  @Test
  void overTheTotalTheBiggestWriterLosesItsOldestEventsFirst() {
    h2.close();
    h2 = H2Store.open(dir);
    store = new EventStore(h2, new EventStore.Quota(0, 0, 0, 3000));
    List<Event> alice = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      alice.add(ev(ALICE, 100 + i, 1, "x".repeat(500)));
    }
    Event bob = ev(BOB, 1, 1, "small and old");
    store.save(List.of(bob));
    store.save(alice);
    long bytes = store.usage()[1];
    assertTrue(bytes <= 3000, "within the total: " + bytes);
    List<String> kept = ids("{\"authors\":[\"" + alice.get(0).pubkey() + "\"]}");
    assertEquals(alice.get(4).id(), kept.get(0), "the newest of the biggest writer stays");
    assertTrue(!kept.contains(alice.get(0).id()), "its oldest went");
    assertEquals(List.of(bob.id()), ids("{\"authors\":[\"" + bob.pubkey() + "\"]}"),
        "the small writer keeps its event, though it is the oldest");
    // the accounting survives a restart
    h2.close();
    h2 = H2Store.open(dir);
    store = new EventStore(h2, new EventStore.Quota(0, 0, 0, 3000));
    assertEquals(bytes, store.usage()[1]);
    assertEquals(store.count(), store.usage()[0]);
  }

  @Test
  void quotasCountUtf8BytesNotCharacters() {
    h2.close();
    h2 = H2Store.open(dir);
    // 200 emoji: 400 Java chars, 800 bytes in UTF-8
    String wide = "\uD83D\uDE00".repeat(200);
    Event first = ev(ALICE, 10, 1, wide);
    Event second = ev(ALICE, 20, 1, wide);
    int bytes = first.toJson().getBytes(StandardCharsets.UTF_8).length;
    assertTrue(bytes > first.toJson().length() + 300, "the content is multi-byte: " + bytes);
    // room for both events counted in characters, for one counted in bytes
    store = new EventStore(h2, new EventStore.Quota(0, bytes + first.toJson().length(), 0, 0));
    store.save(List.of(first));
    assertEquals(bytes, store.usage()[1], "what is held is counted in bytes");
    assertEquals(bytes, store.keys(List.of(Filter.parse("{}")), 10, 10).get(0).size(), "and sent by that size");
    store.save(List.of(second));
    assertEquals(List.of(second.id()), ids("{\"authors\":[\"" + first.pubkey() + "\"]}"),
        "two events' bytes are over the author's quota: the oldest went");
    assertEquals(bytes, store.usage()[1]);
  }

  @Test
  void sizesCountedInCharactersAreRecountedInBytes() {
    h2.close();
    java.nio.file.Path old = dir.resolve("chars");
    h2 = H2Store.open(old);
    h2.migrate(EventStore.OWNER, EventStore.MIGRATIONS.subList(0, 3)); // as the previous release left it
    Event wide = ev(ALICE, 10, 1, "\u00E9\u20AC".repeat(100));
    Event narrow = ev(BOB, 10, 1, "ascii");
    h2.transact(c -> {
      insertAsBeforeSchemaSix(c, List.of(wide, narrow));
      c.createStatement().execute("INSERT INTO nostr_usage(pubkey, events, bytes) SELECT pubkey, COUNT(*), SUM(size) "
          + "FROM nostr_event GROUP BY pubkey");
      return null;
    });
    store = new EventStore(h2);
    long utf8 = wide.toJson().getBytes(StandardCharsets.UTF_8).length + narrow.toJson().length();
    assertEquals(utf8, store.usage()[1]);
    assertEquals(wide.toJson().getBytes(StandardCharsets.UTF_8).length,
        store.keys(List.of(Filter.parse("{\"authors\":[\"" + wide.pubkey() + "\"]}")), 10, 10).get(0).size());
  }

  @Test
  void keysAndPagesGiveWhatQueryGives() {
    Event a = ev(ALICE, 10, 1, "a");
    Event b = ev(BOB, 20, 1, "b");
    store.save(List.of(a, b));
    List<Filter> all = List.of(Filter.parse("{}"));
    List<EventStore.Key> keys = store.keys(all, 100, 100);
    assertEquals(List.of(b.id(), a.id()), keys.stream().map(EventStore.Key::id).toList());
    assertEquals(b.toJson().getBytes(StandardCharsets.UTF_8).length, keys.get(0).size());
    assertEquals(a.toJson(), store.load(List.of(a.id(), "0".repeat(64))).get(a.id()));
    assertEquals(1, store.load(List.of(a.id(), "0".repeat(64))).size());
  }
}
