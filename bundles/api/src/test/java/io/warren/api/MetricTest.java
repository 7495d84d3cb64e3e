package io.warren.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Samples are checked where a bundle makes them, and MetricsSource's console view follows its samples. */
class MetricTest {

  @Test
  void badNamesLabelsAndCountersAreRefusedWithTheReason() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Metric.counter("warren_bytes", "", 1)).getMessage()
        .contains("_total"));
    assertThrows(IllegalArgumentException.class, () -> Metric.counter("warren_x_total", "negative", -1));
    assertThrows(IllegalArgumentException.class, () -> Metric.gauge("warren-x", "bad name", 1));
    assertThrows(IllegalArgumentException.class, () -> Metric.gauge("warren_x", "odd labels", 1, "rule"));
    assertThrows(IllegalArgumentException.class, () -> Metric.gauge("warren_x", "reserved label", 1, "__name", "a"));
    assertEquals(Map.of(), new Metric("warren_x", Metric.Kind.GAUGE, null, null, 1).labels());
  }

  @Test
  void theSelectorIsHowAQueryNamesTheSeries() {
    assertEquals("warren_x", Metric.gauge("warren_x", "", 1).selector());
    assertEquals("warren_x{a=\"q\\\"\",b=\"c\\\\d\"}", Metric.gauge("warren_x", "", 1, "a", "q\"", "b", "c\\d")
        .selector());
  }

  @Test
  void theConsoleViewOfASourceIsItsSamples() {
    MetricsSource source = new MetricsSource() {
      @Override
      public List<Metric> samples() {
        return List.of(Metric.counter("warren_y_total", "", 3, "k", "v"), Metric.gauge("warren_z", "", 2));
      }
    };
    Map<String, Number> expected = new LinkedHashMap<>();
    expected.put("warren_y_total{k=\"v\"}", 3.0);
    expected.put("warren_z", 2.0);
    assertEquals(expected, source.metrics());
  }
}
