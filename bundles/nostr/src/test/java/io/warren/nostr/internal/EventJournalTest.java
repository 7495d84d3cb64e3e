package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.internal.EventStore.Outcome;
import io.warren.store.internal.H2Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay's group commit: journaled events are served at once, stored later, and survive a kill. */
class EventJournalTest {
  private static final byte[] KEY = Bip340.newSecretKey();
  @TempDir Path dir;

  private static List<Event> events(int n, String tag) {
    List<Event> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Event.sign(KEY, 1_700_000_000L + i, 1, List.of(List.of("t", tag)), "event " + i + " \u00e9\n"));
    }
    return out;
  }

  private static List<EventJournal.Pending> pending(List<Event> events) {
    return events.stream().map(e -> new EventJournal.Pending(e, e.toJson(), 0)).toList();
  }

  private static List<String> newestFirst(List<Event> events) {
    List<String> out = new ArrayList<>(ids(events));
    java.util.Collections.reverse(out);
    return out;
  }

  private static List<String> ids(List<Event> events) {
    return events.stream().map(Event::id).toList();
  }

  @Test
  void appendedEventsArePendingUntilTheIndexerStoredThem() {
    CountDownLatch release = new CountDownLatch(1);
    List<Event> indexed = new CopyOnWriteArrayList<>();
    try (EventJournal journal = new EventJournal(dir, batch -> {
      await(release);
      indexed.addAll(batch);
    })) {
      List<Event> batch = events(3, "pending");
      journal.append(pending(batch));
      for (Event e : batch) {
        assertNotNull(journal.pending(e.id()), "journaled, not yet stored: pending");
      }
      release.countDown();
      journal.drain();
      assertEquals(0, journal.pending().size(), "stored: no longer pending");
      assertEquals(ids(batch), ids(indexed));
    }
    assertEquals(List.of(), segments(), "a clean stop leaves no journal");
  }

  @Test
  void aStoredSegmentStaysJournaledUntilACheckpointWroteItsEvents() throws Exception {
    CountDownLatch checkpointing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Event> indexed = new CopyOnWriteArrayList<>();
    try (EventJournal journal = new EventJournal(dir, indexed::addAll, () -> {
      checkpointing.countDown();
      await(release);
    })) {
      List<Event> batch = events(3, "checkpoint");
      journal.append(pending(batch));
      journal.drain();
      assertEquals(ids(batch), ids(indexed), "committed to the database");
      assertEquals(1, segments().size(), "committed, not yet checkpointed: the segment is kept");
      assertTrue(checkpointing.await(60, TimeUnit.SECONDS), "the indexer checkpoints what it committed");
      assertEquals(1, segments().size(), "kept until the checkpoint returns");
      release.countDown();
    }
    assertEquals(List.of(), segments(), "deleted once checkpointed; a clean stop leaves no journal");
  }

  @Test
  void eventsJournaledByAKilledProcessAreStoredOnTheNextStart() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    EventJournal killed = new EventJournal(dir, batch -> await(never)); // its indexer never gets through
    List<Event> batch = events(5, "killed");
    killed.append(pending(batch));
    List<Event> recovered = new CopyOnWriteArrayList<>();
    try (EventJournal next = new EventJournal(dir, recovered::addAll)) {
      assertEquals(ids(batch), ids(recovered), "every appended event is stored on the next start");
      assertEquals(0, next.pending().size());
    } finally {
      never.countDown();
    }
  }

  @Test
  void aTornLastRecordIsIgnoredAndTheRecordsBeforeItAreStored() throws Exception {
    List<Event> batch = events(3, "torn");
    CountDownLatch never = new CountDownLatch(1);
    EventJournal killed = new EventJournal(dir, b -> await(never));
    killed.append(pending(batch));
    Path segment = segments().get(0);
    byte[] whole = Files.readAllBytes(segment);
    String text = new String(whole, StandardCharsets.UTF_8);
    int cut = text.lastIndexOf('\n', text.length() - 2) + 40; // inside the third record
    Files.write(segment, text.substring(0, cut).getBytes(StandardCharsets.UTF_8));
    List<Event> recovered = new CopyOnWriteArrayList<>();
    try (EventJournal next = new EventJournal(dir, recovered::addAll)) {
      assertEquals(ids(batch.subList(0, 2)), ids(recovered));
    } finally {
      never.countDown();
    }
  }

  @Test
  void anEventStoreWithAJournalServesWhatItAppendedAtOnceAndKeepsItAcrossARestart() {
    Path db = dir.resolve("db");
    Path journal = dir.resolve("journal");
    H2Store h2 = H2Store.open(db);
    List<Event> batch = events(20, "store");
    try {
      EventStore store = new EventStore(h2, EventStore.Quota.NONE, journal);
      List<Outcome> outcomes = store.append(batch);
      assertTrue(outcomes.stream().allMatch(o -> o == Outcome.STORED), outcomes.toString());
      // the same events again, in the journal or in the tables by now: duplicates either way
      assertTrue(store.append(batch.subList(0, 2)).stream().allMatch(o -> o == Outcome.DUPLICATE));
      Filter tagged = Filter.parse("{\"#t\":[\"store\"],\"limit\":5}");
      List<String> newest = newestFirst(batch).subList(0, 5);
      assertEquals(newest, store.query(List.of(tagged), 100, 100).stream().map(EventStore.Row::id).toList());
      assertEquals(newest, store.keys(List.of(tagged), 100, 100).stream().map(EventStore.Key::id).toList());
      assertEquals(batch.get(7).toJson(), store.load(List.of(batch.get(7).id())).get(batch.get(7).id()));
      assertEquals(batch.size(), store.count(), "each event counted once, journaled or stored");
      store.close();
      assertEquals(List.of(), segments(journal), "a clean stop leaves no journal");
      EventStore next = new EventStore(h2, EventStore.Quota.NONE, journal);
      assertEquals(newestFirst(batch), next.query(List.of(Filter.parse("{\"#t\":[\"store\"]}")), 100, 100)
          .stream().map(EventStore.Row::id).toList());
      next.close();
    } finally {
      h2.close();
    }
  }

  @Test
  void aReplaceableEventWaitsForTheJournalAndReplacesTheOlderVersion() {
    H2Store h2 = H2Store.open(dir.resolve("db"));
    try {
      EventStore store = new EventStore(h2, EventStore.Quota.NONE, dir.resolve("journal"));
      Event older = Event.sign(KEY, 100, 0, List.of(), "{\"name\":\"a\"}");
      Event newer = Event.sign(KEY, 200, 0, List.of(), "{\"name\":\"b\"}");
      store.append(events(3, "before"));
      assertEquals(List.of(Outcome.STORED), store.append(List.of(newer)));
      assertEquals(List.of(Outcome.SUPERSEDED), store.append(List.of(older)));
      assertEquals(List.of(newer.id()), store.query(List.of(Filter.parse("{\"kinds\":[0]}")), 10, 10).stream()
          .map(EventStore.Row::id).toList());
      store.close();
    } finally {
      h2.close();
    }
  }

  private List<Path> segments() {
    return segments(dir);
  }

  private static List<Path> segments(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".journal")).sorted().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
