package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WireTest {

  @Test
  void requestsParse() {
    Wire.Request r = Wire.parse("OFFER 0123456789abcdef 127.0.0.1:40002 -");
    assertEquals(Wire.OFFER, r.verb());
    assertEquals("127.0.0.1:40002", Wire.endpoint(r.arg(0)));
    assertEquals(Wire.CALLER, r.arg(1));
    assertThrows(IllegalArgumentException.class, () -> r.arg(2));
  }

  @Test
  void badInputIsRefusedWithAReason() {
    var e = assertThrows(IllegalArgumentException.class, () -> Wire.parse("OFFER ../etc"));
    assertTrue(e.getMessage().contains("16 hex digit id"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Wire.parse("OFFER"));
    for (String bad : new String[] {"127.0.0.1:0", "127.0.0.1:70000", "beef:12", "example.com:5000", "1.2.3.4"}) {
      assertThrows(IllegalArgumentException.class, () -> Wire.endpoint(bad), bad);
    }
    assertEquals("::1:5004", Wire.endpoint("::1:5004"));
  }

  @Test
  void answersCarryTheOtherSidesError() {
    var e = assertThrows(IllegalArgumentException.class, () -> Wire.ok("ERR busy", 0, "relay r"));
    assertEquals("voip: relay r refused: busy", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Wire.ok("OK", 2, "relay r"));
    assertEquals("b", Wire.ok("OK a b", 2, "r")[2]);
  }
}
