package io.warren.metrics.internal;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the samples of every {@link MetricsSource} into the Prometheus client's snapshots, one
 * family per name. A source that throws, a name without the {@code warren_} prefix, a family
 * reported as both counter and gauge, or a series reported twice is left out of this scrape (and
 * logged) rather than failing the whole page.
 */
final class SourceCollector implements MultiCollector {
  private static final Logger LOG = LoggerFactory.getLogger(SourceCollector.class);
  private static final String TOTAL = "_total";
  /** Every source's names start so, which keeps them apart from the JVM's (jvm_, process_). */
  private static final String PREFIX = "warren_";
  private final Supplier<Map<String, MetricsSource>> sources;

  /** {@code sources}: the registered sources now, by their {@value MetricsSource#NAME}. */
  SourceCollector(Supplier<Map<String, MetricsSource>> sources) {
    this.sources = sources;
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Family> families = new LinkedHashMap<>();
    sources.get().forEach((name, source) -> {
      List<Metric> samples;
      try {
        samples = source.samples();
      } catch (RuntimeException e) {
        LOG.warn("metrics: source {} failed; left out of this scrape", name, e);
        return;
      }
      for (Metric m : samples) {
        if (!m.name().startsWith(PREFIX)) {
          LOG.warn("metrics: {} from source {} does not start with {}; left out", m.name(), name, PREFIX);
          continue;
        }
        // a counter's family is its name without _total, so it may clash with a gauge's name
        Family f = families.computeIfAbsent(family(m), n -> new Family(m.kind(), m.help()));
        if (f.kind != m.kind()) {
          LOG.warn("metrics: {} from source {} is a {} but was a {}; left out", m.name(), name, m.kind(), f.kind);
        } else if (!f.seen.add(m.labels())) {
          LOG.warn("metrics: {} reported twice by source {}; left out", m.selector(), name);
        } else {
          f.samples.add(m);
        }
      }
    });
    MetricSnapshots.Builder out = MetricSnapshots.builder();
    families.forEach((name, f) -> {
      try {
        out.metricSnapshot(snapshot(name, f));
      } catch (IllegalArgumentException e) {
        // a name or label the client refuses (a reserved suffix such as _created, say)
        LOG.warn("metrics: {} left out: {}", name, e.getMessage());
      }
    });
    return out.build();
  }

  /** The family a sample belongs to: the client names a counter's family without _total (the formats add it). */
  private static String family(Metric m) {
    return m.kind() == Metric.Kind.COUNTER ? m.name().substring(0, m.name().length() - TOTAL.length()) : m.name();
  }

  private static MetricSnapshot snapshot(String name, Family f) {
    if (f.kind == Metric.Kind.COUNTER) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(f.help);
      for (Metric m : f.samples) {
        b.dataPoint(CounterDataPointSnapshot.builder().labels(labels(m)).value(m.value()).build());
      }
      return b.build();
    }
    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(f.help);
    for (Metric m : f.samples) {
      b.dataPoint(GaugeDataPointSnapshot.builder().labels(labels(m)).value(m.value()).build());
    }
    return b.build();
  }

  private static Labels labels(Metric m) {
    Labels.Builder b = Labels.builder();
    m.labels().forEach(b::label);
    return b.build();
  }

  private static final class Family {
    final Metric.Kind kind;
    final String help;
    final List<Metric> samples = new ArrayList<>();
    final Set<Map<String, String>> seen = new HashSet<>();

    Family(Metric.Kind kind, String help) {
      this.kind = kind;
      this.help = help;
    }
  }
}
