package io.warren.node.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** node:metrics --all's table, from the lines node:metrics --samples prints. */
class MetricsTableTest {
  private static final String SAMPLES = """
      warren_node_identity{name="p",peer_id="12D3KooWAbcdefghijklmnop",version="0.1.0"} 1
      warren_node_uptime_seconds 75.5
      warren_libp2p_connections{direction="inbound",path="direct"} 2
      warren_libp2p_connections{direction="outbound",path="relayed"} 1
      warren_libp2p_streams 4
      warren_proxy_bytes_total{rule="r1",type="egress",port="8080",direction="in"} 2048
      warren_proxy_bytes_total{rule="r1",type="egress",port="8080",direction="out"} 10
      # proxy failed: down
      """;

  @Test
  void parsesSamplesWithEscapedLabelsAndSkipsTheRest() {
    List<MetricsTable.Sample> s = MetricsTable.parse(SAMPLES + "warren_x{a=\"say \\\"hi\\\"\"} 3\nnot a sample\n");
    assertEquals(8, s.size(), s.toString());
    assertEquals(Map.of("a", "say \"hi\""), s.get(7).labels());
    assertEquals(75.5, s.get(1).value());
  }

  @Test
  void oneRowPerNodeAndTheReasonForOneThatCouldNotBeAsked() {
    MetricsTable t = new MetricsTable();
    t.node("12D3KooWAbcdefghijklmnop", MetricsTable.parse(SAMPLES));
    t.failed("12D3KooWZyxwvutsrqponm", "unreachable: no answer within 15 s");
    List<String> rows = t.toString().lines().toList();
    assertEquals(3, rows.size(), t.toString());
    assertTrue(rows.get(0).startsWith("NODE"), rows.get(0));
    String p = rows.get(1);
    for (String cell : new String[] {"p ", "12D3Ko..mnop", "0.1.0", "1m15s", "2 direct, 1 relayed", "4", "2.0 KiB",
        "10 B", "ok"}) {
      assertTrue(p.contains(cell), cell + " in " + p);
    }
    assertTrue(rows.get(2).contains("unreachable: no answer within 15 s"), rows.get(2));
  }
}
