package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.PeerRef;
import io.warren.api.TransportException;
import io.warren.testing.FakeDirectory;
import io.warren.testing.StreamProbes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The check after an update: a stream to the pusher within the time, retried until then, and closed. */
class HealthTest {
  private static final PeerRef PUSHER = PeerRef.parse("libp2p:12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");

  @Test
  void aStreamToThePusherIsHealthyEvenAfterFailedAttempts() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    EmbeddedChannel channel = new EmbeddedChannel();
    FakeDirectory directory = new FakeDirectory().opening((peer, protocol) -> {
      assertEquals(Health.PROTOCOL, protocol);
      return attempts.incrementAndGet() < 3 ? CompletableFuture.failedFuture(new TransportException("no route"))
          : CompletableFuture.completedFuture(StreamProbes.over(channel, peer, protocol));
    });
    assertEquals(Optional.empty(), Health.check(directory, PUSHER, Duration.ofSeconds(30)));
    assertEquals(3, attempts.get());
    assertFalse(channel.isOpen(), "the check's stream is closed");
  }

  @Test
  void noStreamWithinTheTimeSaysWhy() throws Exception {
    Optional<String> lost = Health.check(new FakeDirectory(), PUSHER, Duration.ofSeconds(1));
    assertTrue(lost.orElseThrow().contains("no transport in this test"), lost.toString());
  }
}
