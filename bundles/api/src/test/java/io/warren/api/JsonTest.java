package io.warren.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void writesNestedValuesWithEscapes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "a \"quoted\"\nname\u0001");
    m.put("addresses", List.of("/ip4/127.0.0.1/tcp/1", "/ip6/::1/tcp/2"));
    m.put("n", 3);
    assertEquals(
        "{\"name\":\"a \\\"quoted\\\"\\nname\\u0001\",\"addresses\":[\"/ip4/127.0.0.1/tcp/1\",\"/ip6/::1/tcp/2\"],\"n\":3}",
        Json.write(m));
  }

  @Test
  void describeTurnsGogoErrorsIntoOneLine() {
    class CommandNotFoundException extends RuntimeException {
      CommandNotFoundException() {
        super("Command not found: node:nope");
      }
    }
    assertEquals("unknown command: node:nope", io.warren.api.CommandRunner.describe(new CommandNotFoundException()));
    assertEquals("root cause",
        io.warren.api.CommandRunner.describe(new RuntimeException(null, new IllegalStateException("root cause"))));
  }

  @Test
  void rawTextGoesInUnchangedAndNonFiniteNumbersAreNull() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("peers", new Json.Raw("[{\"a\":1}]"));
    m.put("rate", Double.NaN);
    assertEquals("{\"peers\":[{\"a\":1}],\"rate\":null}", Json.write(m));
  }
}
