package io.warren.tls.internal;

import io.warren.api.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/** A listener's counter of what became of its connections, one count per outcome, as one Prometheus counter. */
final class Outcomes<E extends Enum<E>> {
  private final E[] values;
  private final String name;
  private final String help;
  private final AtomicLongArray counts;

  Outcomes(Class<E> type, String name, String help) {
    this.values = type.getEnumConstants();
    this.name = name;
    this.help = help;
    this.counts = new AtomicLongArray(values.length);
  }

  void count(E o) {
    counts.incrementAndGet(o.ordinal());
  }

  long total(E o) {
    return counts.get(o.ordinal());
  }

  /** {@code name{outcome="<lower case>"}} for each outcome. */
  List<Metric> samples() {
    List<Metric> out = new ArrayList<>();
    for (E o : values) {
      out.add(Metric.counter(name, help, counts.get(o.ordinal()), "outcome", o.name().toLowerCase(Locale.ROOT)));
    }
    return out;
  }
}
