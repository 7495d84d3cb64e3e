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

  /** An EVENT message from its {@link #eventPrefix} and the event's JSON in UTF-8: both shared, not copied. */
  static io.netty.buffer.ByteBuf event(byte[] prefix, byte[] eventJson) {
    return io.netty.buffer.Unpooled.wrappedBuffer(prefix, eventJson, CLOSE_BRACKET);
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
