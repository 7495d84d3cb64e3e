package io.warren.voip.internal;

import io.netty.util.concurrent.EventExecutorGroup;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the other side of each active call whether it still has the call: {@code PING <id>} every
 * interval, each to be answered within the interval. {@code missed} unanswered in a row (the other
 * node vanished without a hangup: killed, cut off), or an answer that it no longer knows the call
 * (it restarted), end the call as {@code lost}; an answer that it ended the call moments ago (its
 * HANGUP crossed the PING) ends it in that state. Any other answer counts as alive, so a node that
 * does not know PING yet keeps its calls.
 */
final class Keepalive {
  private static final Logger LOG = LoggerFactory.getLogger(Keepalive.class);
  static final String LOST = "lost";
  private final Requests requests;
  private final EventExecutorGroup timers;
  private final long intervalMillis;
  private final int missed;
  private final BiConsumer<Party, String> end;

  /** @param end ends a call with a state; called off the event loops' threads' hot path, may block */
  Keepalive(Requests requests, EventExecutorGroup timers, long intervalMillis, int missed,
      BiConsumer<Party, String> end) {
    this.requests = requests;
    this.timers = timers;
    this.intervalMillis = intervalMillis;
    this.missed = missed;
    this.end = end;
  }

  long intervalMillis() {
    return intervalMillis;
  }

  void start(Party p) {
    p.keepalive = timers.scheduleWithFixedDelay(() -> ping(p), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
  }

  private void ping(Party p) {
    if (!p.state.equals(Party.ACTIVE)) {
      p.keepalive.cancel(false);
      return;
    }
    if (!p.pinging.compareAndSet(false, true)) {
      return; // the last one is still out
    }
    CompletableFuture<String> answer;
    try {
      answer = requests.ask(p.peer, Wire.ping(p.id), intervalMillis);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((line, e) -> {
      p.pinging.set(false);
      Optional<String> endedThere = e == null ? Wire.endedState(line) : Optional.empty();
      if (endedThere.isPresent()) {
        // the other side ended it moments ago and its HANGUP crossed this PING: end it as it did
        if (p.state.equals(Party.ACTIVE)) {
          LOG.info("voip: call {} with {} ended there: {}", p.id, p.peer, endedThere.get());
          end.accept(p, endedThere.get());
        }
        return;
      }
      if (e == null && !line.equals(Wire.error(Wire.NO_SUCH_CALL))) {
        p.missed.set(0);
        return;
      }
      int n = e == null ? missed : p.missed.incrementAndGet();
      String why = e == null ? "it no longer has the call" : describe(e);
      if (n < missed) {
        LOG.debug("voip: call {}: keepalive {} of {} to {} unanswered: {}", p.id, n, missed, p.peer, why);
        return;
      }
      if (p.state.equals(Party.ACTIVE)) {
        LOG.info("voip: call {} with {} lost: {} ({} keepalives of {} ms unanswered)", p.id, p.peer, why, n,
            intervalMillis);
        end.accept(p, LOST);
      }
    });
  }

  private static String describe(Throwable e) {
    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return c instanceof TimeoutException ? "no answer" : String.valueOf(c.getMessage());
  }
}
