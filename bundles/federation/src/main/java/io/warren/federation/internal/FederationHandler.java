package io.warren.federation.internal;

import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inbound {@value MembershipDialogue#PROTOCOL} streams: first the membership proof, then the
 * operation the dialer asked for. The proof holds no thread while the dialer is silent (its
 * messages are awaited on the stream's event loop, its J-PAKE work runs on a federation worker), so
 * streams that never send anything cannot occupy the federation workers; they end at the proof's
 * timeout. A peer may have {@value #MAX_NEGOTIATING_PER_PEER} streams in the proof at once, all
 * peers together {@value #MAX_NEGOTIATING}; a stream beyond that is reset. Only a member that completed the proof gets its operation served on
 * a worker (the operations block).
 */
@Component(service = StreamHandler.class, property = StreamHandler.PROTOCOL + "=" + MembershipDialogue.PROTOCOL)
public final class FederationHandler implements StreamHandler {
  /** Federation streams one peer may have in the membership proof at once (a member needs one or two). */
  static final int MAX_NEGOTIATING_PER_PEER = 4;
  /**
   * Streams in the membership proof at once, all peers together: fresh peer IDs cost a stranger
   * nothing, and each proof costs the node tens of milliseconds of J-PAKE work on the workers its own
   * sync uses, so strangers together may queue no more than this.
   */
  static final int MAX_NEGOTIATING = 64;
  private static final Logger LOG = LoggerFactory.getLogger(FederationHandler.class);

  /** What a proven member asked for, served on a worker. */
  interface Operations {
    void serve(Frames f, String peer, String operation) throws Exception;
  }

  private final MembershipDialogue dialogue;
  private final Executor workers;
  private final Operations operations;
  /** Streams in the membership proof, by peer; a peer is in the map only while it has one. */
  private final Map<String, Integer> negotiating = new ConcurrentHashMap<>();
  /** Peers at the cap that were told so in the log (no more than are in {@link #negotiating}). */
  private final Set<String> capped = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicBoolean totalWarned = new java.util.concurrent.atomic.AtomicBoolean();

  @Activate
  public FederationHandler(@Reference FederationService federation, @Reference RemoteAdminCalls admin) {
    this(federation.dialogue(), federation::execute, (f, peer, operation) -> {
      switch (operation) {
        case PeerTableSync.OPERATION -> federation.sync().answer(f, peer);
        case RemoteAdminCalls.OPERATION -> admin.serve(f, peer, RemoteAdminCalls.sourceOf(f.stream()));
        default -> throw new ProtocolException(
            MembershipDialogue.PROTOCOL + ": unknown operation '" + operation + "'");
      }
    });
  }

  FederationHandler(MembershipDialogue dialogue, Executor workers, Operations operations) {
    this.dialogue = dialogue;
    this.workers = workers;
    this.operations = operations;
  }

  @Override
  public void handle(Stream stream) {
    String peer = stream.peer().id();
    if (total.incrementAndGet() > MAX_NEGOTIATING) {
      total.decrementAndGet();
      if (totalWarned.compareAndSet(false, true)) {
        LOG.warn("federation: {} federation streams are in the membership proof (the most all peers together may"
            + " have); further streams are reset until one ends", MAX_NEGOTIATING);
      }
      stream.reset();
      return;
    }
    if (!admit(peer)) {
      total.decrementAndGet();
      // once per burst: a peer that opens streams in a loop does not write a line per stream
      if (capped.add(peer)) {
        LOG.warn("federation: {} already has {} federation streams in the membership proof (the most one peer may"
            + " have); its further streams are reset until one ends", peer, MAX_NEGOTIATING_PER_PEER);
      }
      LOG.debug("federation: stream {} from {} reset", stream.channel().id(), peer);
      stream.reset();
      return;
    }
    Frames f;
    try {
      f = new Frames(stream, dialogue.timeout(), MembershipDialogue.LISTENER_FRAMES);
    } catch (RuntimeException e) {
      release(peer);
      total.decrementAndGet();
      stream.reset();
      throw e;
    }
    dialogue.answer(stream, f, workers).whenComplete((operation, e) -> {
      release(peer);
      if (total.decrementAndGet() < MAX_NEGOTIATING / 2) {
        totalWarned.set(false);
      }
      if (e != null) {
        LOG.info("federation: stream from {} closed during the membership proof: {}", peer,
            FederationService.describe(e));
        f.close();
      } else if (operation.isEmpty()) {
        f.close();
      } else {
        try {
          workers.execute(() -> serve(f, peer, operation.get()));
        } catch (RejectedExecutionException x) {
          f.close();
        }
      }
    });
  }

  /** Streams in the membership proof now, all peers together. */
  int negotiating() {
    return total.get();
  }

  /** Streams {@code peer} has in the membership proof now. */
  int negotiating(String peer) {
    return negotiating.getOrDefault(peer, 0);
  }

  private boolean admit(String peer) {
    boolean[] admitted = {false};
    negotiating.compute(peer, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= MAX_NEGOTIATING_PER_PEER) {
        return n;
      }
      admitted[0] = true;
      return now + 1;
    });
    return admitted[0];
  }

  private void release(String peer) {
    negotiating.computeIfPresent(peer, (k, n) -> n <= 1 ? null : n - 1);
    capped.remove(peer);
  }

  private void serve(Frames f, String peer, String operation) {
    try (f) {
      operations.serve(f, peer, operation);
    } catch (Exception e) {
      LOG.info("federation: stream from {} closed: {}", peer, FederationService.describe(e));
    }
  }
}
