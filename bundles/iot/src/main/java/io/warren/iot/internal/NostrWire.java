package io.warren.iot.internal;

import io.warren.api.LocalRelay;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * An MQTT message as a Nostr event and back (documented in the README's IoT section).
 *
 * <p>Kind {@value #KIND}, in the ephemeral range (20000-29999): relays pass such events to live
 * subscriptions and keep none, which is what a QoS 0 message is, and next to the kinds of Warren's
 * device layer (25910, 25911). Tags: {@code ["t", topic]}, {@code ["qos", "0"|"1"]}, {@code ["retain",
 * "1"]} when retained, {@code ["encoding", "base64"]} when the payload is not UTF-8 text (or its
 * MQTT 5 payload format indicator says bytes). Content: the payload as text, else its base64.
 */
final class NostrWire {
  static final int KIND = 25912;
  static final String BASE64 = "base64";

  private NostrWire() {}

  /** The tags and content of the event carrying {@code m}. */
  record Out(List<List<String>> tags, String content) {}

  static Out toEvent(Msg m) {
    List<List<String>> tags = new ArrayList<>();
    tags.add(List.of("t", m.topic()));
    tags.add(List.of("qos", Integer.toString(Math.min(m.qos(), 1))));
    if (m.retain()) {
      tags.add(List.of("retain", "1"));
    }
    String text = m.props().payloadFormat() == 0 ? null : utf8(m.payload());
    if (text == null) {
      tags.add(List.of("encoding", BASE64));
      return new Out(tags, Base64.getEncoder().encodeToString(m.payload()));
    }
    return new Out(tags, text);
  }

  /**
   * The message an event carries; throws naming what is wrong (no or a bad topic, an unknown
   * encoding, bad base64, a payload over {@code maxBytes}).
   */
  static Msg fromEvent(LocalRelay.Event e, int maxBytes) {
    String topic = e.tag("t");
    if (topic == null) {
      throw new IllegalArgumentException("no [\"t\", topic] tag");
    }
    Topics.checkName(topic);
    String encoding = e.tag("encoding");
    byte[] payload;
    if (encoding == null) {
      payload = e.content().getBytes(StandardCharsets.UTF_8);
    } else if (encoding.equals(BASE64)) {
      try {
        payload = Base64.getDecoder().decode(e.content());
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException("content is not base64: " + bad.getMessage(), bad);
      }
    } else {
      throw new IllegalArgumentException("unknown encoding '" + encoding + "' (expected base64 or none)");
    }
    if (payload.length > maxBytes) {
      throw new IllegalArgumentException("payload of " + payload.length + " bytes is over max.message.bytes");
    }
    int qos = "1".equals(e.tag("qos")) ? 1 : 0;
    boolean retain = "1".equals(e.tag("retain"));
    return new Msg(topic, payload, qos, retain);
  }

  /** {@code b} as text when it is well-formed UTF-8, else null. */
  static String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
