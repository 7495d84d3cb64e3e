package io.warren.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A pool's thread made on a thread with inheritable state (as Gogo's per-command streams are) does not carry it. */
class ThreadsTest {
  private static final InheritableThreadLocal<String> STREAMS = new InheritableThreadLocal<>();

  @Test
  void threadsInheritNothingAndAreDaemons() throws Exception {
    STREAMS.set("a console command's streams");
    try {
      AtomicReference<String> seen = new AtomicReference<>("unset");
      Thread t = Threads.named("test-pool").newThread(() -> seen.set(STREAMS.get()));
      t.start();
      t.join();
      assertNull(seen.get(), "the made thread saw the maker's thread-local");
      assertTrue(t.isDaemon());
      assertEquals("test-pool", t.getName());
      var numbered = Threads.numbered("test-n");
      assertEquals("test-n-1", numbered.newThread(() -> {}).getName());
      assertEquals("test-n-2", numbered.newThread(() -> {}).getName());
    } finally {
      STREAMS.remove();
    }
  }
}
