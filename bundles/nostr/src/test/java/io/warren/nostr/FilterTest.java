package io.warren.nostr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterTest {
  private static final byte[] KEY =
      HexFormat.of().parseHex("0000000000000000000000000000000000000000000000000000000000000001");
  private static final Event E = Event.sign(KEY, 1000, 7,
      List.of(List.of("e", "f".repeat(64)), List.of("t", "nostr", "ignored"), List.of("T", "Upper"), List.of("x")),
      "hi");

  private static boolean m(String filter) {
    return Filter.parse(filter).matches(E);
  }

  @Test
  void eachConditionMatchesAndMisses() {
    assertTrue(m("{}"));
    assertTrue(m("{\"ids\":[\"" + E.id() + "\",\"" + "0".repeat(64) + "\"]}"));
    assertFalse(m("{\"ids\":[\"" + "0".repeat(64) + "\"]}"));
    assertTrue(m("{\"authors\":[\"" + E.pubkey() + "\"]}"));
    assertFalse(m("{\"authors\":[\"" + "0".repeat(64) + "\"]}"));
    assertTrue(m("{\"kinds\":[1,7]}"));
    assertFalse(m("{\"kinds\":[1]}"));
    assertTrue(m("{\"#e\":[\"" + "f".repeat(64) + "\"]}"));
    assertTrue(m("{\"#t\":[\"other\",\"nostr\"]}"));
    assertFalse(m("{\"#t\":[\"ignored\"]}"), "only a tag's first value is matched");
    assertFalse(m("{\"#t\":[\"Upper\"]}"), "tag names are case-sensitive");
    assertTrue(m("{\"#T\":[\"Upper\"]}"));
    assertFalse(m("{\"#x\":[\"\"]}"), "a tag without a value matches nothing");
    assertTrue(m("{\"since\":1000,\"until\":1000}"));
    assertFalse(m("{\"since\":1001}"));
    assertFalse(m("{\"until\":999}"));
    assertTrue(m("{\"kinds\":[7],\"limit\":0}"), "limit is not a condition");
    assertFalse(m("{\"kinds\":[7],\"#t\":[\"nope\"]}"), "all conditions must hold");
    assertFalse(m("{\"ids\":[]}"), "an empty list matches nothing");
  }

  @Test
  void badFiltersAreRefused() {
    assertTrue(assertThrows(NostrException.class, () -> Filter.parse("{\"search\":\"x\"}")).getMessage()
        .startsWith("unsupported:"));
    assertThrows(NostrException.class, () -> Filter.parse("{\"ids\":[\"abc\"]}"));
    assertThrows(NostrException.class, () -> Filter.parse("{\"authors\":[\"" + "A".repeat(64) + "\"]}"));
    assertThrows(NostrException.class, () -> Filter.parse("{\"kinds\":[\"1\"]}"));
    assertThrows(NostrException.class, () -> Filter.parse("{\"since\":-1}"));
    assertThrows(NostrException.class, () -> Filter.parse("{\"limit\":1.5}"));
    assertThrows(NostrException.class, () -> Filter.parse("{\"#e\":[1]}"));
    assertThrows(NostrException.class, () -> Filter.parse("{\"#ee\":[\"x\"]}"));
    assertThrows(NostrException.class, () -> Filter.parse("[]"));
    assertThrows(NostrException.class, () -> Filter.parse("{\"kinds\":[1],\"kinds\":[2]}"));
  }

  @Test
  void roundTripsThroughJson() {
    String json = "{\"ids\":[\"" + E.id() + "\"],\"authors\":[\"" + E.pubkey()
        + "\"],\"kinds\":[7],\"#e\":[\"x\"],\"since\":1,\"until\":2,\"limit\":3}";
    assertEquals(json, Filter.parse(json).toJson());
  }
}
