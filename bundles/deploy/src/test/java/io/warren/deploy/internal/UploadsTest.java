package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.deploy.DeployException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UploadsTest {
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final Uploads uploads = new Uploads(() -> now);

  @Test
  void aTokenIsForItsPeerOnceAndWithinAMinute() {
    Uploads.Upload u = uploads.issue("a", 10, "0".repeat(64), true);
    assertTrue(u.token().matches("[0-9a-f]{32}"));
    assertTrue(uploads.take(u.token(), "b").isEmpty(), "another peer");
    Uploads.Upload taken = uploads.take(u.token(), "a").orElseThrow();
    assertEquals(10, taken.size());
    assertTrue(taken.force());
    assertTrue(uploads.take(u.token(), "a").isEmpty(), "used");

    Uploads.Upload late = uploads.issue("a", 10, "0".repeat(64), false);
    now = now.plus(Uploads.TTL);
    assertTrue(uploads.take(late.token(), "a").isEmpty(), "expired");
  }

  @Test
  void atMostFourAreOutstandingUntilOneExpires() {
    for (int i = 0; i < Uploads.MAX; i++) {
      uploads.issue("a", 1, "0".repeat(64), false);
    }
    DeployException e = assertThrows(DeployException.class, () -> uploads.issue("a", 1, "0".repeat(64), false));
    assertTrue(e.getMessage().contains("too many uploads outstanding"), e.getMessage());
    now = now.plus(Uploads.TTL);
    uploads.issue("a", 1, "0".repeat(64), false);
  }
}
