package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.warren.deploy.DeployException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadsTest {
  @TempDir Path staging;
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private Uploads uploads;

  private Uploads uploads() {
    if (uploads == null) {
      uploads = new Uploads(() -> now, staging);
    }
    return uploads;
  }

  @Test
  void aTokenIsForItsPeerUntilSpentAndWithinAMinuteOfItsLastUse() {
    Uploads.Upload u = uploads().issue("a", 10, "0".repeat(64), true);
    assertTrue(u.token().matches("[0-9a-f]{32}"));
    assertTrue(uploads.attach(u.token(), "b").isEmpty(), "another peer");
    Uploads.Upload taken = uploads.attach(u.token(), "a").orElseThrow();
    assertEquals(10, taken.size());
    assertTrue(taken.force());
    now = now.plusSeconds(50);
    uploads.detached(u.token());
    now = now.plusSeconds(50);
    assertTrue(uploads.attach(u.token(), "a").isPresent(), "a resume within a minute of the stream's end");
    uploads.spent(u);
    assertTrue(uploads.attach(u.token(), "a").isEmpty(), "spent");

    Uploads.Upload late = uploads.issue("a", 10, "0".repeat(64), false);
    now = now.plus(Uploads.TTL);
    assertTrue(uploads.attach(late.token(), "a").isEmpty(), "expired");
  }

  @Test
  void resumesNeverStretchATokenBeyondItsBound() {
    Uploads.Upload u = uploads().issue("a", 10, "0".repeat(64), false);
    Instant end = now.plus(Uploads.MAX_LIFE);
    while (now.plusSeconds(30).isBefore(end)) {
      now = now.plusSeconds(30);
      assertTrue(uploads.attach(u.token(), "a").isPresent(), "resumed at " + now);
      uploads.detached(u.token());
    }
    now = end;
    assertTrue(uploads.attach(u.token(), "a").isEmpty(), "over after " + Uploads.MAX_LIFE);
  }

  @Test
  void atMostFourAreOutstandingUntilOneExpires() {
    for (int i = 0; i < Uploads.MAX; i++) {
      uploads().issue("a", 1, "0".repeat(64), false);
    }
    DeployException e = assertThrows(DeployException.class, () -> uploads.issue("a", 1, "0".repeat(64), false));
    assertTrue(e.getMessage().contains("too many uploads outstanding"), e.getMessage());
    now = now.plus(Uploads.TTL);
    uploads.issue("a", 1, "0".repeat(64), false);
  }

  @Test
  void theStagedBytesAreThePeersOwnForThatDigestAndOneStreamWritesAtATime() throws Exception {
    String digest = "1".repeat(64);
    Uploads.Upload a = uploads().issue("a", 8, digest, false);
    Uploads.Upload again = uploads.issue("a", 8, digest, false);
    Uploads.Upload b = uploads.issue("b", 8, digest, false);
    assertSame(a.partial(), again.partial(), "a new token of the same peer for the same artifact resumes its bytes");
    assertNotSame(a.partial(), b.partial(), "another peer never appends to a's bytes");
    assertNotEquals(a.partial().file(), b.partial().file());

    Object first = new Object();
    assertEquals(0, a.partial().claim(first, true));
    assertTrue(a.partial().write(first, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), 3));
    Object second = new Object();
    assertEquals(3, a.partial().claim(second, true), "a new stream hears what is held");
    assertFalse(a.partial().write(first, Unpooled.wrappedBuffer(new byte[] {9}), 1), "the old stream is cut off");
    assertTrue(a.partial().write(second, Unpooled.wrappedBuffer(new byte[] {4, 5, 6, 7, 8}), 5));
    assertEquals("upload: 8 bytes received over 2 stream(s), resumed at [3]", a.partial().report());
    DeployException bad = assertThrows(DeployException.class, () -> uploads.whole(a));
    assertTrue(bad.getMessage().contains("do not have the announced SHA-256"), bad.getMessage());
    assertFalse(Files.exists(a.partial().file()), "bad bytes are not kept to resume from");
  }

  @Test
  void stagedFilesUntouchedForLongAreDeleted() throws Exception {
    Path old = Files.write(staging.resolve("f".repeat(64) + "-0123456789abcdef.part"), new byte[] {1});
    Files.setLastModifiedTime(old, FileTime.from(now.minus(Uploads.STALE).minusSeconds(1)));
    Path recent = Files.write(staging.resolve("e".repeat(64) + "-0123456789abcdef.part"), new byte[] {1});
    Files.setLastModifiedTime(recent, FileTime.from(now.minusSeconds(60)));
    uploads().purge();
    assertFalse(Files.exists(old));
    assertTrue(Files.exists(recent));
  }
}
