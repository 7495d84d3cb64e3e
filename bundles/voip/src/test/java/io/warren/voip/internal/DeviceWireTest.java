package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.LocalRelay;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing and checking the events devices send ({@link DeviceWire}). */
class DeviceWireTest {
  static final String ID = "0123456789abcdef".repeat(4);
  static final String KEY = "b".repeat(64);

  static LocalRelay.Event event(int kind, List<List<String>> tags, String content) {
    return new LocalRelay.Event(ID, "a".repeat(64), "npub1a", 1_700_000_000L, kind, tags, content);
  }

  private static String refusal(int kind, List<List<String>> tags, String content) {
    return assertThrows(IllegalArgumentException.class, () -> DeviceWire.parse(event(kind, tags, content)))
        .getMessage();
  }

  @Test
  void aRequestNamesTheCalleeAndCodecsAndTakesItsIdFromTheEvent() {
    DeviceWire.Msg m = DeviceWire.parse(event(DeviceWire.REQUEST,
        List.of(List.of("p", KEY), List.of("codecs", "opus,PCMU")), ""));
    assertEquals("0123456789abcdef", m.call());
    assertEquals(KEY, m.callee());
    assertEquals(List.of("opus", "pcmu"), m.codecs());
    assertNull(m.peer());
    DeviceWire.Msg toPeer = DeviceWire.parse(event(DeviceWire.REQUEST,
        List.of(List.of("p", KEY), List.of("codecs", "pcmu"), List.of("peer", "q")), ""));
    assertEquals("q", toPeer.peer());
  }

  @Test
  void acceptsAndHangupsNameTheirCall() {
    DeviceWire.Msg a = DeviceWire.parse(event(DeviceWire.ACCEPT,
        List.of(List.of("p", KEY), List.of("call", "00ff00ff00ff00ff"), List.of("codec", "pcmu")), ""));
    assertEquals("00ff00ff00ff00ff", a.call());
    assertEquals("pcmu", a.codec());
    assertNull(DeviceWire.parse(event(DeviceWire.ACCEPT, List.of(List.of("call", "00ff00ff00ff00ff")), "")).codec());
    DeviceWire.Msg h = DeviceWire.parse(event(DeviceWire.HANGUP, List.of(List.of("call", "00ff00ff00ff00ff")),
        " busy "));
    assertEquals("busy", h.reason());
  }

  @Test
  void malformedEventsAreRefusedSayingWhatIsWrong() {
    assertEquals("no [\"p\", ...] tag", refusal(DeviceWire.REQUEST, List.of(List.of("codecs", "pcmu")), ""));
    assertTrue(refusal(DeviceWire.REQUEST, List.of(List.of("p", "npub1xyz"), List.of("codecs", "pcmu")), "")
        .startsWith("[\"p\", callee] must be 64 lowercase hex digits"));
    assertEquals("no [\"codecs\", ...] tag", refusal(DeviceWire.REQUEST, List.of(List.of("p", KEY)), ""));
    assertTrue(refusal(DeviceWire.REQUEST, List.of(List.of("p", KEY), List.of("codecs", "pc mu;rm")), "")
        .startsWith("[\"codecs\", ...]: expected codec names"));
    assertTrue(refusal(DeviceWire.REQUEST, List.of(List.of("p", KEY), List.of("codecs", "pcmu"),
        List.of("peer", "a b")), "").startsWith("[\"peer\", node] must be"));
    assertEquals("no [\"call\", ...] tag", refusal(DeviceWire.ACCEPT, List.of(), ""));
    assertTrue(refusal(DeviceWire.HANGUP, List.of(List.of("call", "XYZ")), "")
        .startsWith("[\"call\", id] must be 16 lowercase hex digits"));
    assertTrue(refusal(DeviceWire.HANGUP, List.of(List.of("call", "00ff00ff00ff00ff")), "x".repeat(201))
        .startsWith("a hangup's reason is at most 200"));
    assertEquals("kind 25921 is sent by the node only", refusal(DeviceWire.RINGING, List.of(), ""));
    assertTrue(refusal(25999, List.of(), "").startsWith("kind 25999 is not a voip event"));
  }

  @Test
  void theNodesAcceptTellsBothPortsOfTheLeg() {
    assertEquals(List.of(List.of("p", KEY), List.of("call", "00ff00ff00ff00ff"), List.of("codec", "pcmu"),
        List.of("rtp", "127.0.0.1:41000"), List.of("rtcp", "127.0.0.1:41001")),
        DeviceWire.accept(KEY, "00ff00ff00ff00ff", "pcmu", "127.0.0.1", 41000));
  }
}
