package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessagesTest {
  @Test
  void anEventMessageFromSharedBytesIsTheSameTextAsOneBuiltFromStrings() {
    String subId = "sub \"1\" \u00e9";
    String json = "{\"id\":\"ab\",\"content\":\"caf\u00e9 \\\"q\\\" \ud83d\ude00\"}";
    ByteBuf shared = Messages.event(Messages.eventPrefix(subId), json.getBytes(StandardCharsets.UTF_8));
    try {
      assertEquals(Messages.event(subId, json), shared.toString(StandardCharsets.UTF_8));
    } finally {
      shared.release();
    }
  }
}
