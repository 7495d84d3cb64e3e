package io.warren.federation.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the peer table in sync with every member this node can reach (so the table spreads
 * transitively): once a second each member that is due gets a sync on a worker, with a backoff for
 * members that did not answer. Both sides send their whole table ({@code TABLE = count, encoded
 * signed records}): the dialer first, then the listener.
 */
final class PeerTableSync {
  static final String OPERATION = "sync";
  private static final Logger LOG = LoggerFactory.getLogger(PeerTableSync.class);

  private final PeerTable table;
  private final MembershipDialogue dialogue;
  private final List<Bootstrap> bootstrap;
  private final String self;
  private final Executor workers;
  private final long intervalNanos;
  private final long maxBackoffNanos;
  private final AtomicLong syncs = new AtomicLong();

  PeerTableSync(PeerTable table, MembershipDialogue dialogue, List<Bootstrap> bootstrap, String self, Executor workers,
      long intervalNanos, long maxBackoffNanos) {
    this.table = table;
    this.dialogue = dialogue;
    this.bootstrap = bootstrap;
    this.self = self;
    this.workers = workers;
    this.intervalNanos = intervalNanos;
    this.maxBackoffNanos = maxBackoffNanos;
  }

  /** Syncs completed as the dialer. */
  long syncs() {
    return syncs.get();
  }

  /** One round: a sync with each member that is due, each on its own worker. */
  void round() {
    try {
      table.expire();
      SignedPeerRecord me = table.currentSelf();
      long now = System.nanoTime();
      Map<String, List<String>> targets = new LinkedHashMap<>();
      for (Bootstrap b : bootstrap) {
        targets.put(b.peerId(), b.addresses());
      }
      for (SignedPeerRecord r : table.records()) {
        targets.merge(r.peerId(), table.usableAddresses(r.peerId()), (a, b) -> {
          List<String> all = new ArrayList<>(b);
          a.stream().filter(x -> !all.contains(x)).forEach(all::add);
          return all;
        });
      }
      targets.remove(self);
      for (Map.Entry<String, List<String>> t : targets.entrySet()) {
        PeerTable.Contact c = table.contact(t.getKey());
        if (now - c.nextAttemptNanos < 0 || !c.busy.compareAndSet(false, true)) {
          continue;
        }
        workers.execute(() -> {
          try {
            syncWith(t.getKey(), t.getValue(), me);
          } finally {
            c.busy.set(false);
          }
        });
      }
    } catch (RuntimeException e) {
      LOG.warn("federation: sync round failed: {}", e.toString());
    }
  }

  private void syncWith(String peerId, List<String> addresses, SignedPeerRecord me) {
    PeerTable.Contact c = table.contact(peerId);
    try {
      try (Frames f = dialogue.dial(peerId, addresses, OPERATION)) {
        f.write(table.encode(me));
        table.merge(table.decode(f.read()), peerId);
      }
      syncs.incrementAndGet();
      c.lastError = null;
      c.failures = 0;
      c.nextAttemptNanos = System.nanoTime() + intervalNanos;
      table.contacted(peerId);
    } catch (Exception e) {
      String why = FederationService.describe(e);
      if (!why.equals(c.lastError)) {
        LOG.warn("federation: cannot sync with {}: {}", peerId, why);
      }
      c.lastError = why;
      c.failures = Math.min(c.failures + 1, 16);
      long backoff = Math.min(maxBackoffNanos, TimeUnit.SECONDS.toNanos(1L << Math.min(c.failures, 6)));
      c.nextAttemptNanos = System.nanoTime() + backoff;
    }
  }

  /** The listener's side, after the dialer proved membership: its table in, this node's out. */
  void answer(Frames f, String peer) throws Exception {
    table.merge(table.decode(f.read()), peer);
    f.write(table.encode(table.currentSelf()));
    PeerTable.Contact c = table.contact(peer);
    c.lastContact = Instant.now();
    c.lastError = null;
  }
}
