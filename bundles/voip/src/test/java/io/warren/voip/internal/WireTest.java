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

  @Test
  void aDeviceToRingIsAnOptionalLastWordOfAnOverlayOffer() {
    String key = "nostr:" + "ab".repeat(32);
    String offer = Wire.offerDevice("0123456789abcdef", java.util.List.of("pcmu", "opus"), key);
    assertEquals("OFFER 0123456789abcdef pcmu,opus overlay " + key, offer);
    assertEquals(key, Wire.device(Wire.parse(offer)));
    assertEquals("B", Wire.device(Wire.parse("OFFER 0123456789abcdef pcmu overlay B")), "a name the node resolves");
    assertEquals(null, Wire.device(Wire.parse("OFFER 0123456789abcdef pcmu overlay")), "no device: the console");
    assertEquals(null, Wire.device(Wire.parse("OFFER 0123456789abcdef pcmu 127.0.0.1:4000 -")));
    var relayed = assertThrows(IllegalArgumentException.class,
        () -> Wire.device(Wire.parse("OFFER 0123456789abcdef pcmu 127.0.0.1:4000 - " + key)));
    assertEquals("a device is rung for a call with media over the overlay only", relayed.getMessage());
    var two = assertThrows(IllegalArgumentException.class,
        () -> Wire.device(Wire.parse("OFFER 0123456789abcdef pcmu overlay a b")));
    assertTrue(two.getMessage().startsWith("expected one word naming a device after overlay, got a b"),
        two.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Wire.offerDevice("0123456789abcdef", java.util.List.of("pcmu"),
        "two words"));
    assertThrows(IllegalArgumentException.class, () -> Wire.offerDevice("0123456789abcdef", java.util.List.of("pcmu"),
        "x".repeat(101)));
  }

  @Test
  void theCallersNodeLearnsWhichDeviceRingsOrThatTheOtherNodeIsOlder() {
    String key = "cd".repeat(32);
    assertEquals(io.warren.api.PeerRef.parse("nostr:" + key),
        Wire.ringingDevice(Wire.ringing(io.warren.api.PeerRef.parse("nostr:" + key)), "q"));
    var older = assertThrows(IllegalArgumentException.class, () -> Wire.ringingDevice("OK ringing", "q"));
    assertTrue(older.getMessage().startsWith("voip: q rings its console, not the device"), older.getMessage());
    var unknown = assertThrows(IllegalArgumentException.class,
        () -> Wire.ringingDevice("ERR unknown device B: no node 'B' known here", "q"));
    assertEquals("voip: q refused: unknown device B: no node 'B' known here", unknown.getMessage());
  }

  @Test
  void aPingAnswerSaysHowTheCallEndedOnlyInOneWord() {
    assertEquals(java.util.Optional.of("hungup"), Wire.endedState(Wire.error(Wire.ENDED + " hungup")));
    assertEquals(java.util.Optional.of("lost"), Wire.endedState("ERR ended lost"));
    assertEquals(java.util.Optional.empty(), Wire.endedState(Wire.error(Wire.NO_SUCH_CALL)));
    assertEquals(java.util.Optional.empty(), Wire.endedState("ERR ended "));
    assertEquals(java.util.Optional.empty(), Wire.endedState("ERR ended hung up; rm -rf"));
    assertEquals(java.util.Optional.empty(), Wire.endedState("OK pong"));
  }
}
