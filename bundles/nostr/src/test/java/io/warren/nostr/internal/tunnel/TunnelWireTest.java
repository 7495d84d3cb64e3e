package io.warren.nostr.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TunnelWireTest {
  static final byte[] SECRET =
      HexFormat.of().parseHex("0000000000000000000000000000000000000000000000000000000000000003");
  static final String HEX = HexFormat.of().formatHex(Bip340.publicKey(SECRET));

  @Test
  void callsignIsTheNpubPrefixAndOnlyLowercaseLettersAndDigits() {
    String cs = TunnelWire.callsign(HEX);
    assertEquals(TunnelWire.npub(HEX).substring(5, 17), cs);
    assertTrue(cs.matches("[a-z0-9]{12}"), cs);
  }

  @Test
  void devicesAreNamedByHexNpubOrCallsign() {
    String cs = TunnelWire.callsign(HEX);
    assertEquals(new TunnelWire.DeviceRef(HEX, cs), TunnelWire.parseDevice(HEX));
    assertEquals(new TunnelWire.DeviceRef(HEX, cs), TunnelWire.parseDevice(TunnelWire.npub(HEX)));
    assertEquals(new TunnelWire.DeviceRef(null, cs), TunnelWire.parseDevice(cs));
  }

  @Test
  void pathsAndOtherNamesAreRefused() {
    for (String bad : List.of("../etc", "..%2F..", "ab/cd", "ABCDEFGHIJKL", "", "abc", "abcdefghijkl/", "npub1xyz",
        HEX.toUpperCase(), "a\u0000bcdefghijk")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TunnelWire.parseDevice(bad), bad);
      assertTrue(e.getMessage().startsWith("invalid"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> TunnelWire.parseKey(TunnelWire.callsign(HEX)));
  }

  @Test
  void serviceNames() {
    assertTrue(TunnelWire.validServiceName("ssh"));
    assertTrue(TunnelWire.validServiceName("web-2_x"));
    for (String bad : new String[] {"", "..", "../ssh", "-x", "Web", "a".repeat(33), "a b", null}) {
      assertTrue(!TunnelWire.validServiceName(bad), String.valueOf(bad));
    }
  }

  @Test
  void headerIsLengthPrefixedJson() {
    ByteBuf b = TunnelWire.header(ByteBufAllocator.DEFAULT, "[\"OK\",true,\"\"]");
    assertEquals(14, b.readInt());
    assertEquals("[\"OK\",true,\"\"]", b.toString(StandardCharsets.UTF_8));
    b.release();
  }

  @Test
  void answers() {
    assertNull(TunnelWire.refusal(TunnelWire.answer(true, "")));
    assertEquals("restricted: no", TunnelWire.refusal(TunnelWire.answer(false, "restricted: no")));
    assertEquals("error: malformed tunnel answer", TunnelWire.refusal("{\"OK\":1}"));
    assertEquals("error: malformed tunnel answer", TunnelWire.refusal("not json"));
  }

  static Event request(long createdAt, List<List<String>> tags) {
    return Event.sign(SECRET, createdAt, TunnelWire.REQUEST_KIND, tags, "");
  }

  @Test
  void requestsAreChecked() {
    long now = System.currentTimeMillis() / 1000;
    String device = "ab".repeat(32);
    Event ok = request(now, List.of(List.of("p", device), List.of("protocol", "/warren/service/ssh")));
    assertEquals(device, TunnelWire.checkRequest(ok, now));
    assertThrows(NostrException.class, () -> TunnelWire.checkRequest(
        request(now - 600, List.of(List.of("p", device), List.of("protocol", "x"))), now), "stale");
    assertThrows(NostrException.class, () -> TunnelWire.checkRequest(
        request(now, List.of(List.of("protocol", "x"))), now), "no p tag");
    assertThrows(NostrException.class, () -> TunnelWire.checkRequest(
        request(now, List.of(List.of("p", "../x"), List.of("protocol", "x"))), now), "bad p tag");
    assertThrows(NostrException.class, () -> TunnelWire.checkRequest(
        request(now, List.of(List.of("p", device))), now), "no protocol");
    Event forged = new Event(ok.id(), "cd".repeat(32), ok.createdAt(), ok.kind(), ok.tags(), ok.content(), ok.sig());
    assertThrows(NostrException.class, () -> TunnelWire.checkRequest(forged, now), "forged author");
  }
}
