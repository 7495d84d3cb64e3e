package io.warren.metrics;

import java.util.List;
import java.util.Optional;

/** The /metrics endpoint as an operator asks about it: where, whether it needs a token, who reports. */
public interface MetricsEndpointState {

  /** {@code http://host:port/metrics} while it listens; empty while it is off. */
  Optional<String> url();

  /** Whether a scrape must send {@code Authorization: Bearer <bearer.token>}. */
  boolean tokenRequired();

  /** The names of the {@code MetricsSource}s reporting now, sorted. */
  List<String> sources();
}
