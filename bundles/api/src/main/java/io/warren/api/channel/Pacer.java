package io.warren.api.channel;

/**
 * A byte rate for a {@link Splice}: after each read the splice asks how long to wait before
 * reading again. Implementations are thread-safe and may be shared by several splices (e.g. every
 * tunnel of one device).
 */
@FunctionalInterface
public interface Pacer {

  /** Takes {@code bytes} from the budget; returns how long to wait before the next read (0: go on). */
  long delayNanos(long bytes);
}
