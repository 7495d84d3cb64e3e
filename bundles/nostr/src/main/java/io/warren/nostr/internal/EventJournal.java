package io.warren.nostr.internal;

import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's group commit: accepted events are appended to a journal file and forced to disk in
 * one write per batch (so an OK may be sent on return), and written to the database later, many
 * batches in one transaction, by an indexer thread. The database rewrites every index page a
 * transaction touches, and event ids are random, so one transaction per few hundred events spent
 * most of the writer's time rewriting the same pages; one per few thousand does not.
 *
 * <p>Events journaled but not yet in the database are {@link #pending}: {@link EventStore} serves
 * them to queries (looked up before the database: one leaves the pending set only after its
 * transaction committed). The journal is a sequence of segment files, one per indexer batch; a
 * segment is deleted once its events are committed and a checkpoint has written them to the
 * database's file: the indexer commits without writing ({@link io.warren.api.Store#transactDeferred})
 * and checkpoints at most once every {@link #CHECKPOINT_NANOS}, so the pages that many segments'
 * transactions touched (the id index's, one per event) are written once. On start, segments left by
 * a killed process are indexed before anything else (events the database already holds are
 * duplicates, stored once). A record is {@code crc32-hex SP event-json LF}; a torn last
 * record (the process died inside the write, so before the force and the OK) ends the segment.
 *
 * <p>Bounded: the writer waits for the indexer when {@link #MAX_PENDING} events are pending.
 */
final class EventJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);
  /**
   * A segment is handed to the indexer at this many events, even while it indexes another (so a
   * writer waiting at {@link #MAX_PENDING} waits for one small transaction, not one of all that
   * piled up), or at {@link #MAX_AGE_NANOS} when the indexer is idle, whichever first. Each segment
   * is one transaction, and H2 writes a large one more than once: past its write buffer (a share of
   * the heap) it stores the transaction's dirty pages in the middle, and at commit it marks every
   * row committed, dirtying those pages again. With 512 events the indexer's transactions stay
   * under that buffer: {@code bench/relay.sh 4 300000} 11,056-11,720 events/s at 124-131 us of node
   * CPU per event and OK p99 49-55 ms, against 8,447-9,447 at 155-169 us and 170-205 ms with 4,096
   * (interleaved, 2026-12-06); 256 measured the same as 512, 1,024 between the two.
   */
  static final int SEAL_EVENTS = 512;
  static final long MAX_AGE_NANOS = 1_000_000_000L;
  /**
   * Indexed segments are kept until a checkpoint, which runs this long after the one before, or at
   * once when the journal closes. {@code bench/relay.sh 4 100000}, interleaved with the build that
   * wrote each segment's commit at once: 8,199 / 8,458 events/s at 197 / 190 us of node CPU per
   * event, against 6,821 / 7,758 at 221 / 197 (2026-12-07).
   */
  static final long CHECKPOINT_NANOS = 1_000_000_000L;
  /** Events journaled but not yet in the database, at most; the writer waits above it. */
  static final int MAX_PENDING = 32_768;
  private static final String PREFIX = "events-";
  private static final String SUFFIX = ".journal";

  /** An event journaled and not yet in the database, with its JSON and its size in UTF-8 bytes. */
  record Pending(Event event, String json, int size) {}

  /** A record is the JSON's CRC-32 in 8 hex digits, a space, the JSON and a newline. */
  private static final int RECORD_OVERHEAD = 10;

  private final Path dir;
  private final Consumer<List<Event>> index;
  private final Runnable checkpoint;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  /** Held by the indexer while a segment moves from pending to the tables, so a count sees it in one place. */
  private final java.util.concurrent.locks.ReadWriteLock moving =
      new java.util.concurrent.locks.ReentrantReadWriteLock();
  private final Object lock = new Object();
  private final Thread indexer;
  private long nextSegment;
  /** The segment being appended to and its events; guarded by {@link #lock}. */
  private FileChannel current;
  private Path currentPath;
  private List<Event> currentEvents = new ArrayList<>();
  private long currentSince;
  /** Sealed segments waiting for the indexer, oldest first; guarded by {@link #lock}. */
  private final List<Segment> sealed = new ArrayList<>();
  private boolean indexing;
  private boolean closed;
  private RuntimeException failure;

  private record Segment(Path path, List<Event> events) {}

  /** A journal whose {@code index} writes durably, so there is nothing to checkpoint (the tests'). */
  EventJournal(Path dir, Consumer<List<Event>> index) {
    this(dir, index, () -> {});
  }

  /**
   * Opens the journal in {@code dir}, first handing the events of segments left there (by a
   * process that did not stop cleanly) to {@code index}, oldest first, and deleting them after a
   * checkpoint.
   *
   * @param index commits events to the database (the store's save); called by one thread at a time
   * @param checkpoint makes everything {@code index} committed survive a kill of the process
   */
  EventJournal(Path dir, Consumer<List<Event>> index, Runnable checkpoint) {
    this.dir = dir;
    this.index = index;
    this.checkpoint = checkpoint;
    try {
      Files.createDirectories(dir);
      List<Path> left;
      try (Stream<Path> s = Files.list(dir)) {
        left = s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && p.toString().endsWith(SUFFIX))
            .sorted((a, b) -> Long.compare(sequence(a), sequence(b))).toList();
      }
      for (Path p : left) {
        List<Event> events = read(p);
        if (!events.isEmpty()) {
          LOG.info("Nostr journal: storing {} events journaled before the last stop ({})", events.size(), p);
          index.accept(events);
        }
        nextSegment = Math.max(nextSegment, sequence(p) + 1);
      }
      if (!left.isEmpty()) {
        checkpoint.run();
      }
      for (Path p : left) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("nostr journal in " + dir + ": " + e.getMessage(), e);
    }
    this.indexer = new Thread(this::indexLoop, "nostr-store-indexer");
    indexer.setDaemon(true);
    indexer.start();
  }

  private static long sequence(Path p) {
    String n = p.getFileName().toString();
    try {
      return Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The events of one segment, up to the first record that does not check (a torn tail). */
  static List<Event> read(Path p) throws IOException {
    List<Event> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      for (String line; (line = r.readLine()) != null;) {
        Event e = parse(line);
        if (e == null) {
          LOG.warn("Nostr journal {}: record {} is incomplete or damaged; the rest of the segment is ignored "
              + "(it was never acknowledged)", p, out.size() + 1);
          break;
        }
        out.add(e);
      }
    }
    return out;
  }

  private static Event parse(String line) {
    if (line.length() < 10 || line.charAt(8) != ' ') {
      return null;
    }
    String json = line.substring(9);
    CRC32 crc = new CRC32();
    crc.update(json.getBytes(StandardCharsets.UTF_8));
    try {
      if (Long.parseLong(line, 0, 8, 16) != crc.getValue()) {
        return null;
      }
      return Event.parse(json);
    } catch (NumberFormatException | NostrException e) {
      return null;
    }
  }

  /**
   * Appends {@code events} (with their JSON) to the journal and forces it to disk: on return they
   * survive a kill, and are {@link #pending} until the indexer has stored them. One thread appends.
   */
  void append(List<Pending> events) {
    if (events.isEmpty()) {
      return;
    }
    // each event's JSON is encoded once, for its checksum and its record
    byte[][] jsons = new byte[events.size()][];
    int total = 0;
    for (int i = 0; i < jsons.length; i++) {
      jsons[i] = events.get(i).json().getBytes(StandardCharsets.UTF_8);
      total = Math.addExact(total, RECORD_OVERHEAD + jsons[i].length);
    }
    ByteBuffer bytes = ByteBuffer.allocate(total);
    CRC32 crc = new CRC32();
    for (byte[] json : jsons) {
      crc.reset();
      crc.update(json);
      long c = crc.getValue();
      for (int shift = 28; shift >= 0; shift -= 4) {
        bytes.put((byte) Character.forDigit((int) (c >>> shift) & 0xF, 16));
      }
      bytes.put((byte) ' ').put(json).put((byte) '\n');
    }
    bytes.flip();
    synchronized (lock) {
      while (pending.size() >= MAX_PENDING && failure == null && !closed) {
        sealLocked();
        waitLocked();
      }
      check();
      try {
        if (current == null) {
          currentPath = dir.resolve(PREFIX + nextSegment++ + SUFFIX);
          current = FileChannel.open(currentPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          currentSince = System.nanoTime();
        }
        while (bytes.hasRemaining()) {
          current.write(bytes);
        }
        current.force(false);
      } catch (IOException e) {
        throw new UncheckedIOException("nostr journal " + currentPath + ": " + e.getMessage(), e);
      }
      for (Pending p : events) {
        pending.put(p.event().id(), p);
        currentEvents.add(p.event());
      }
      if (currentEvents.size() >= SEAL_EVENTS || !indexing && System.nanoTime() - currentSince >= MAX_AGE_NANOS) {
        sealLocked();
      }
    }
  }

  /** The journaled event {@code id} not yet in the database, or null. */
  Pending pending(String id) {
    return pending.get(id);
  }

  /** The events journaled and not yet in the database (a live view: read it before the database). */
  Collection<Pending> pending() {
    return pending.values();
  }

  /**
   * The pending events plus what {@code stored} counts in the tables, with no segment moving
   * between the two meanwhile (waits for a segment being stored).
   */
  long count(java.util.function.LongSupplier stored) {
    moving.readLock().lock();
    try {
      return pending.size() + stored.getAsLong();
    } finally {
      moving.readLock().unlock();
    }
  }

  /** Waits until every journaled event is in the database (before work that must see them there). */
  void drain() {
    synchronized (lock) {
      while ((!pending.isEmpty() || indexing) && failure == null && !closed) {
        sealLocked();
        waitLocked();
      }
      check();
    }
  }

  private void check() {
    if (failure != null) {
      throw new IllegalStateException("nostr journal: storing journaled events failed: " + failure.getMessage(),
          failure);
    }
  }

  private void waitLocked() {
    try {
      lock.wait(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the nostr journal", e);
    }
  }

  /** Hands the current segment to the indexer (under {@link #lock}). */
  private void sealLocked() {
    if (current == null) {
      return;
    }
    try {
      current.close();
    } catch (IOException e) {
      LOG.warn("Closing nostr journal segment {} failed", currentPath, e);
    }
    sealed.add(new Segment(currentPath, currentEvents));
    current = null;
    currentEvents = new ArrayList<>();
    lock.notifyAll();
  }

  private void indexLoop() {
    List<Path> indexed = new ArrayList<>(); // segments whose events are committed, not yet checkpointed
    long checkpointed = System.nanoTime();
    while (true) {
      Segment s = null;
      boolean stop = false;
      synchronized (lock) {
        while (sealed.isEmpty() && !closed) {
          long now = System.nanoTime();
          if (current != null && now - currentSince >= MAX_AGE_NANOS) {
            sealLocked(); // a quiet writer: its last events are stored without waiting for more
            continue;
          }
          long untilCheckpoint = CHECKPOINT_NANOS - (now - checkpointed);
          if (!indexed.isEmpty() && untilCheckpoint <= 0) {
            break;
          }
          try {
            lock.wait(Math.max(1, (indexed.isEmpty() ? MAX_AGE_NANOS : Math.min(MAX_AGE_NANOS, untilCheckpoint))
                / 1_000_000));
          } catch (InterruptedException e) {
            return;
          }
        }
        if (!sealed.isEmpty()) {
          s = sealed.remove(0);
          indexing = true;
        } else {
          stop = closed;
        }
      }
      RuntimeException failed = null;
      try {
        if (s != null) {
          moving.writeLock().lock();
          try {
            index.accept(s.events());
            for (Event e : s.events()) {
              pending.remove(e.id());
            }
          } finally {
            moving.writeLock().unlock();
          }
          indexed.add(s.path());
        }
        if (!indexed.isEmpty() && (s == null || System.nanoTime() - checkpointed >= CHECKPOINT_NANOS)) {
          checkpoint.run();
          checkpointed = System.nanoTime();
          for (Path p : indexed) {
            delete(p);
          }
          indexed.clear();
        }
      } catch (RuntimeException e) {
        // the events stay journaled (and pending, unless only the checkpoint failed): the next start
        // stores them; the writer refuses more
        LOG.error("Storing {} journaled events failed; new events are refused until a restart",
            s == null ? "committed" : s.events().size(), e);
        failed = e;
      }
      synchronized (lock) {
        indexing = false;
        failure = failed;
        lock.notifyAll();
      }
      if (failed != null || stop) {
        return;
      }
    }
  }

  private static void delete(Path segment) {
    try {
      Files.deleteIfExists(segment);
    } catch (IOException e) {
      LOG.warn("Deleting nostr journal segment {} failed (its events are stored)", segment, e);
    }
  }

  /** Stores what is pending, then stops the indexer (a clean stop leaves no segment behind). */
  @Override
  public void close() {
    try {
      drain();
    } catch (RuntimeException e) {
      LOG.warn("Nostr journal: pending events stay journaled for the next start", e);
    }
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    try {
      indexer.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
