package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CodecsTest {
  @Test
  void theFirstOfferedCodecTheCalleeTakesWins() {
    assertEquals(List.of("opus", "pcmu"), Codecs.parse(" OPUS, pcmu,opus "));
    assertEquals("pcmu", Codecs.choose(List.of("g722", "pcmu", "pcma"), List.of("pcma", "pcmu")));
    var none = assertThrows(IllegalArgumentException.class, () -> Codecs.choose(List.of("opus"), List.of("pcmu")));
    assertEquals("no common codec: offered opus, this side takes pcmu", none.getMessage());
  }

  @Test
  void badNamesAndTooManyAreRefused() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Codecs.parse("pcmu;rm -rf")).getMessage()
        .startsWith("expected codec names"));
    assertThrows(IllegalArgumentException.class, () -> Codecs.parse(""));
    assertThrows(IllegalArgumentException.class, () -> Codecs.parse("a,b,c,d,e,f,g,h,i"));
  }
}
