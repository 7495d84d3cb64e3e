package io.warren.api;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for a service's own pools: daemon threads that inherit no thread-locals. A pool
 * that makes its threads on demand makes them on whichever thread submits, often a console
 * command's, and inherited thread-locals would carry that command's streams (Gogo's per-command
 * System.out/err) into the pool: what the thread logged later would go to the ended command's output
 * instead of the node's log, and interrupting it while it wrote there could close those streams.
 */
public final class Threads {
  private Threads() {}

  /** Every thread named {@code name}. */
  public static ThreadFactory named(String name) {
    return r -> make(r, name);
  }

  /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> make(r, prefix + "-" + n.incrementAndGet());
  }

  private static Thread make(Runnable r, String name) {
    Thread t = new Thread(null, r, name, 0, false);
    t.setDaemon(true);
    return t;
  }
}
