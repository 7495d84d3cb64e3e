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

  /** {@link #event(String, String)} around JSON already encoded (UTF-8): the bytes are shared, not copied. */
  static io.netty.buffer.ByteBuf event(String subscriptionId, byte[] eventJson) {
    StringBuilder sb = Json.appendString(new StringBuilder(16 + subscriptionId.length()).append("[\"EVENT\","),
        subscriptionId).append(',');
    return io.netty.buffer.Unpooled.wrappedBuffer(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        eventJson, CLOSE_BRACKET);
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
