package io.warren.deploy.internal;

import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.service.component.annotations.Component;

/**
 * The health check a node runs by itself after an update: it opens a {@value #PROTOCOL} stream to the
 * node that pushed (a new stream, dialled again if the update took the node's connections down), and
 * the update holds only when that works within the check's time. The other side, this component,
 * accepts such a stream and closes it: negotiating the protocol is the proof.
 */
@Component(service = StreamHandler.class, property = StreamHandler.PROTOCOL + "=" + Health.PROTOCOL)
public final class Health implements StreamHandler {
  /** Opened by a node that was just updated, to the node that pushed. */
  public static final String PROTOCOL = "/warren/deploy/health/1.0.0";

  private static final long ATTEMPT_MILLIS = 5000;
  private static final long RETRY_MILLIS = 500;

  @Override
  public void handle(Stream stream) {
    stream.channel().close();
  }

  /**
   * Whether this node reaches {@code pusher} through {@code directory} within {@code within}: empty
   * when it does, else why not (the last failure).
   */
  static Optional<String> check(PeerDirectory directory, PeerRef pusher, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    String last = "no attempt";
    do {
      long left = Math.max(1, Math.min(ATTEMPT_MILLIS, (deadline - System.nanoTime()) / 1_000_000));
      try {
        Stream s = directory.open(pusher, PROTOCOL).toCompletableFuture().get(left, TimeUnit.MILLISECONDS);
        s.channel().close();
        return Optional.empty();
      } catch (ExecutionException e) {
        last = e.getCause() == null ? e.toString() : String.valueOf(e.getCause().getMessage());
        Thread.sleep(RETRY_MILLIS);
      } catch (TimeoutException e) {
        last = "no stream within " + left + " ms";
      } catch (RuntimeException e) {
        last = e.toString();
        Thread.sleep(RETRY_MILLIS);
      }
    } while (System.nanoTime() - deadline < 0);
    return Optional.of(last);
  }
}
