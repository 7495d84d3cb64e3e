package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.LocalRelay;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An MQTT message as a Nostr event and back: the tags and content encoding the README documents. */
class NostrWireTest {
  private static final String KEY = "a".repeat(64);

  private static LocalRelay.Event event(List<List<String>> tags, String content) {
    return new LocalRelay.Event("b".repeat(64), KEY, "npub1test", 1_700_000_000L, NostrWire.KIND, tags, content);
  }

  @Test
  void aTextMessageIsItsTextWithTopicAndQosTags() {
    NostrWire.Out out = NostrWire.toEvent(new Msg("sensors/x", "21.5 °C".getBytes(StandardCharsets.UTF_8), 1, false));
    assertEquals(List.of(List.of("t", "sensors/x"), List.of("qos", "1")), out.tags());
    assertEquals("21.5 °C", out.content());
    Msg back = NostrWire.fromEvent(event(out.tags(), out.content()), 1024);
    assertEquals("sensors/x", back.topic());
    assertArrayEquals("21.5 °C".getBytes(StandardCharsets.UTF_8), back.payload());
    assertEquals(1, back.qos());
    assertFalse(back.retain());
  }

  @Test
  void bytesThatAreNotUtf8GoAsBase64WithAnEncodingTag() {
    byte[] payload = {(byte) 0xff, 0, (byte) 0xc3, 0x28};
    NostrWire.Out out = NostrWire.toEvent(new Msg("cam/frame", payload, 0, true));
    assertTrue(out.tags().contains(List.of("encoding", "base64")), out.tags().toString());
    assertTrue(out.tags().contains(List.of("retain", "1")), out.tags().toString());
    assertEquals("/wDDKA==", out.content());
    Msg back = NostrWire.fromEvent(event(out.tags(), out.content()), 1024);
    assertArrayEquals(payload, back.payload());
    assertTrue(back.retain());
    assertEquals(0, back.qos());
  }

  @Test
  void anMqtt5PayloadDeclaredAsBytesIsBase64EvenWhenItIsValidText() {
    Props bytes = new Props(0, null, null, null, List.of(), 0);
    NostrWire.Out out = NostrWire.toEvent(new Msg("a/b", "abc".getBytes(StandardCharsets.UTF_8), 0, false, bytes));
    assertTrue(out.tags().contains(List.of("encoding", "base64")));
    assertEquals("YWJj", out.content());
  }

  @Test
  void anEventWithoutAUsableTopicOrEncodingIsRefusedWithTheReason() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NostrWire.fromEvent(event(List.of(), "x"), 1024))
        .getMessage().contains("\"t\""));
    assertThrows(IllegalArgumentException.class,
        () -> NostrWire.fromEvent(event(List.of(List.of("t", "a/#")), "x"), 1024));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NostrWire.fromEvent(
        event(List.of(List.of("t", "a"), List.of("encoding", "hex")), "00"), 1024)).getMessage().contains("hex"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NostrWire.fromEvent(
        event(List.of(List.of("t", "a"), List.of("encoding", "base64")), "not base64!"), 1024)).getMessage()
        .contains("base64"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> NostrWire.fromEvent(event(List.of(List.of("t", "a")), "12345"), 4)).getMessage()
        .contains("max.message.bytes"));
  }
}
