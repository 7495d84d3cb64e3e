package io.warren.nostr.internal;

/** The relay-to-client messages of NIP-01 and NIP-42, as JSON text. */
final class Messages {
  private Messages() {}

  static String ok(String eventId, boolean accepted, String message) {
    StringBuilder sb = new StringBuilder(96 + message.length()).append("[\"OK\",");
    Json.appendString(sb, eventId).append(',').append(accepted).append(',');
    return Json.appendString(sb, message).append(']').toString();
  }

  static String event(String subscriptionId, String eventJson) {
    StringBuilder sb = new StringBuilder(16 + subscriptionId.length() + eventJson.length()).append("[\"EVENT\",");
    return Json.appendString(sb, subscriptionId).append(',').append(eventJson).append(']').toString();
  }

  /** The start of {@link #event(String, String)} up to the event, in UTF-8. */
  static byte[] eventPrefix(String subscriptionId) {
    return Json.appendString(new StringBuilder(16 + subscriptionId.length()).append("[\"EVENT\","), subscriptionId)
        .append(',').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The whole WebSocket frame of an EVENT message, from its {@link #eventPrefix} and the event's
   * JSON in UTF-8: encoded once, the same bytes go to every subscriber with that subscription id.
   */
  static byte[] eventFrame(byte[] prefix, byte[] eventJson) {
    return textFrame(prefix, eventJson, CLOSE_BRACKET);
  }

  /** The whole WebSocket frame of a text message. */
  static byte[] textFrame(String message) {
    return textFrame(message.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * A server's WebSocket text frame (RFC 6455 section 5.2: final, unmasked, no extension) holding
   * {@code parts} one after the other, as the frame encoder would write it: written to the
   * connection as bytes, such frames pass the encoder untouched, so a batch of them is one write.
   */
  static byte[] textFrame(byte[]... parts) {
    int length = 0;
    for (byte[] p : parts) {
      length += p.length;
    }
    int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    byte[] frame = new byte[header + length];
    frame[0] = (byte) 0x81; // FIN, text
    if (header == 2) {
      frame[1] = (byte) length;
    } else if (header == 4) {
      frame[1] = 126;
      frame[2] = (byte) (length >>> 8);
      frame[3] = (byte) length;
    } else {
      frame[1] = 127;
      for (int i = 0; i < 8; i++) {
        frame[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
      }
    }
    int at = header;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, frame, at, p.length);
      at += p.length;
    }
    return frame;
  }

  private static final byte[] CLOSE_BRACKET = {']'};

  static String eose(String subscriptionId) {
    return Json.appendString(new StringBuilder("[\"EOSE\","), subscriptionId).append(']').toString();
  }

  static String closed(String subscriptionId, String message) {
    StringBuilder sb = Json.appendString(new StringBuilder("[\"CLOSED\","), subscriptionId).append(',');
    return Json.appendString(sb, message).append(']').toString();
  }

  static String notice(String message) {
    return Json.appendString(new StringBuilder("[\"NOTICE\","), message).append(']').toString();
  }

  static String auth(String challenge) {
    return Json.appendString(new StringBuilder("[\"AUTH\","), challenge).append(']').toString();
  }
}
