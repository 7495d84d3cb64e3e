package io.warren.nostr.internal;

import io.warren.nostr.Event;
import io.warren.store.internal.H2Store;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The relay's indexer alone (bench/relay-store.sh): {@link EventStore#save} in the journal's
 * segments of {@link EventJournal#SEAL_EVENTS} events on one thread, into a fresh store, and the
 * thread's CPU time per event for each stage of the store's growth. Events as bench/relay.sh sends
 * them (64 authors, one {@code t} tag, created_at ascending at 10,000 a second); their signatures
 * are random bytes, which the store never checks, so that no signing runs beside the store. As the
 * journal's indexer does, each segment is committed without being written ({@link
 * EventStore#saveDeferred}) and the store checkpoints a second after the last checkpoint; H2 then
 * writes pages on threads of its own, so the process's CPU per event is printed beside the
 * indexer's. Not a test: prints figures, asserts nothing.
 */
public final class EventStoreBench {
  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int stage = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Random random = new Random(1);
    List<String> authors = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      byte[] b = new byte[32];
      random.nextBytes(b);
      authors.add(HexFormat.of().formatHex(b));
    }
    System.out.printf("%s %s; %d events a round in segments of %d, %d rounds, a fresh store each%n",
        System.getProperty("java.vendor"), System.getProperty("java.version"), total, EventJournal.SEAL_EVENTS, rounds);
    for (int round = 1; round <= rounds; round++) {
      Path dir = Files.createTempDirectory("relay-store");
      H2Store h2 = H2Store.open(dir);
      EventStore store = new EventStore(h2);
      long now = System.currentTimeMillis() / 1000;
      String tag = "bench-" + round;
      StringBuilder line = new StringBuilder("round " + round + ", us of CPU per event by stored count, "
          + "indexer thread / process:");
      long checkpointed = System.nanoTime();
      for (int from = 0; from < total; from += stage) {
        List<Event> events = new ArrayList<>(stage);
        for (int i = from; i < Math.min(total, from + stage); i++) {
          byte[] sig = new byte[64];
          random.nextBytes(sig);
          events.add(Event.sign(authors.get(i % authors.size()), id -> sig, now - (total - 1 - i) / 10_000, 1,
              List.of(List.of("t", tag)), "benchmark event " + i));
        }
        long cpu0 = threads.getCurrentThreadCpuTime();
        long process0 = processCpu();
        for (int i = 0; i < events.size(); i += EventJournal.SEAL_EVENTS) {
          store.saveDeferred(events.subList(i, Math.min(events.size(), i + EventJournal.SEAL_EVENTS)));
          if (System.nanoTime() - checkpointed >= EventJournal.CHECKPOINT_NANOS) {
            h2.checkpoint();
            checkpointed = System.nanoTime();
          }
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        long process = processCpu() - process0;
        line.append(String.format(" %dk %.0f / %.0f", (from + events.size()) / 1000, cpu / 1e3 / events.size(),
            process / 1e3 / events.size()));
      }
      h2.checkpoint();
      System.out.println(line);
      h2.close();
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** CPU time of the whole process (all threads, the JIT's and the collector's included). */
  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
