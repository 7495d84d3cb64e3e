package io.warren.api;

import java.util.Map;

/**
 * A bundle's counters and gauges, registered as a whiteboard service with property
 * {@value #NAME} (e.g. {@code proxy}); {@code node:metrics} shows every source's figures.
 */
@FunctionalInterface
public interface MetricsSource {
  /** Service property naming the source. */
  String NAME = "warren.metrics";

  /** The current figures, by stable dotted name (e.g. {@code bytes.in}). */
  Map<String, Number> metrics();
}
