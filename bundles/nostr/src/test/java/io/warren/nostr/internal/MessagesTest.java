package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessagesTest {
  /** What a client's WebSocket decoder reads from {@code frames}: the text of each frame. */
  private static java.util.List<String> decode(byte[] frames) {
    EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 1 << 20));
    client.writeInbound(Unpooled.wrappedBuffer(frames));
    java.util.List<String> texts = new java.util.ArrayList<>();
    for (TextWebSocketFrame f; (f = client.readInbound()) != null;) {
      assertEquals(true, f.isFinalFragment());
      texts.add(f.text());
      f.release();
    }
    client.finishAndReleaseAll();
    return texts;
  }

  @Test
  void anEventFrameFromSharedBytesIsTheSameTextAsOneBuiltFromStrings() {
    String subId = "sub \"1\" \u00e9";
    String json = "{\"id\":\"ab\",\"content\":\"caf\u00e9 \\\"q\\\" \ud83d\ude00\"}";
    byte[] frame = Messages.eventFrame(Messages.eventPrefix(subId), json.getBytes(StandardCharsets.UTF_8));
    assertEquals(java.util.List.of(Messages.event(subId, json)), decode(frame));
  }

  @Test
  void framesOfEveryLengthClassDecodeAsWrittenOneAfterTheOther() {
    // 7-bit, 16-bit and 64-bit payload lengths (RFC 6455 5.2), at and around the boundaries
    int[] lengths = {0, 1, 125, 126, 127, 65_535, 65_536, 200_000};
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    java.util.List<String> expected = new java.util.ArrayList<>();
    for (int n : lengths) {
      String text = "x".repeat(n);
      expected.add(text);
      all.writeBytes(Messages.textFrame(text));
    }
    assertEquals(expected, decode(all.toByteArray()));
  }

  @Test
  void aLiveEventKeepsOneFramePerPrefixAndMakesAnotherForAnotherPrefix() {
    io.warren.nostr.Event e = io.warren.nostr.Event.sign(io.warren.identity.Bip340.newSecretKey(), 1, 1,
        java.util.List.of(), "hi");
    Subscriptions.Live live = Subscriptions.Live.of(e);
    byte[] a = live.frame(Messages.eventPrefix("a"));
    assertSame(a, live.frame(Messages.eventPrefix("a")));
    assertEquals(java.util.List.of(Messages.event("b", e.toJson())), decode(live.frame(Messages.eventPrefix("b"))));
  }
}
