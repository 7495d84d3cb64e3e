package io.warren.files.internal;

import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outgoing transfer's attempts: open a stream, run a {@link Sender}, and after a broken
 * connection try again (waiting 0.5 s, doubling to 5 s) until {@code retry.seconds} have passed. A
 * refusal, a wire error or a cancel ends it at once.
 */
final class Attempts {
  private static final Logger LOG = LoggerFactory.getLogger(Attempts.class);

  static void run(PeerDirectory directory, PeerRef ref, Sources.Built built, Live live, Settings settings,
      Sender.Limit limit) {
    long deadline = System.currentTimeMillis() + settings.retryMillis();
    long backoff = 500;
    Sources.Built offering = built;
    while (true) {
      Frames frames = null;
      boolean relayed = false;
      try {
        Stream s = directory.open(ref, Wire.PROTOCOL).toCompletableFuture().get(30, TimeUnit.SECONDS);
        frames = new StreamFrames(s);
        relayed = s.relayed();
        live.canceller = frames::abort;
        if (live.cancelled) {
          break;
        }
        live.moved.set(0);
        String saved;
        try {
          saved = new Sender(offering, frames, live, limit, settings.pendingMillis() + settings.idleMillis(),
              settings.idleMillis()).run();
        } catch (Sender.OlderReceiver e) {
          LOG.info("files: {} takes SHA-256 offers only ({}); offering {} again that way", live.peer, e.getMessage(),
              live.id);
          offering = built.sha256Only();
          continue;
        }
        live.end("done", saved);
        LOG.info("files: sent {} ({} bytes, {} resumed) to {}: {}", live.label, live.total, live.resumedFrom,
            live.peer, saved);
        return;
      } catch (Refused e) {
        live.end(e.state, e.getMessage());
        return;
      } catch (ProtocolException e) {
        live.end("failed", e.getMessage());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
        if (live.cancelled) {
          break;
        }
        String why = e instanceof ExecutionException x && x.getCause() != null ? String.valueOf(x.getCause())
            : String.valueOf(e);
        if (relayed && e instanceof IOException) {
          why = "the relayed connection broke (a relay ends a circuit at its byte or time limit): " + why;
        }
        if (System.currentTimeMillis() + backoff > deadline) {
          live.end("failed",
              why + (settings.retryMillis() > 0 ? " (retried for " + settings.retryMillis() / 1000 + " s)" : ""));
          return;
        }
        LOG.info("files: sending {} to {} broke ({}); retrying", live.id, live.peer, why);
        live.state = "retrying";
        live.detail = why;
        if (!pause(live, backoff)) {
          break;
        }
        backoff = Math.min(backoff * 2, 5_000);
      } finally {
        if (frames != null) {
          frames.close();
        }
      }
    }
    live.end("cancelled", "cancelled");
  }

  /** Waits {@code millis} unless the transfer ends (a cancel) meanwhile; whether to go on. */
  static boolean pause(Live live, long millis) {
    try {
      live.done.get(millis, TimeUnit.MILLISECONDS);
      return false;
    } catch (TimeoutException e) {
      return !live.cancelled;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private Attempts() {}
}
