package io.warren.nostr.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeaderReaderTest {
  final List<String> headers = new ArrayList<>();
  final List<String> failures = new ArrayList<>();
  final HeaderReader reader = new HeaderReader(new HeaderReader.Listener() {
    @Override
    public void onHeader(Channel stream, String json) {
      headers.add(json);
    }

    @Override
    public void onFailure(Channel stream, String why) {
      failures.add(why);
    }
  });

  @Test
  void aHeaderSplitAcrossReadsThenDataHeldUntilTheConsumerReads() {
    EmbeddedChannel ch = new EmbeddedChannel(reader);
    ByteBuf all =
        TunnelWire.header(ch.alloc(), "[\"OK\",true,\"\"]").writeBytes("hello".getBytes(StandardCharsets.UTF_8));
    ch.writeInbound(all.readRetainedSlice(3));
    assertTrue(headers.isEmpty());
    ch.writeInbound(all.readRetainedSlice(all.readableBytes()));
    all.release();
    assertEquals(List.of("[\"OK\",true,\"\"]"), headers);
    assertFalse(ch.config().isAutoRead(), "auto-read is off once the header is read");
    assertNull(ch.readInbound(), "bytes after the header wait for the consumer");
    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    ch.read();
    ByteBuf data = ch.readInbound();
    assertEquals("hello", data.toString(StandardCharsets.UTF_8));
    data.release();
    assertNull(ch.pipeline().get(HeaderReader.class), "the reader removed itself");
    ch.finishAndReleaseAll();
  }

  @Test
  void anOversizedHeaderClosesTheStream() {
    EmbeddedChannel ch = new EmbeddedChannel(reader);
    ch.writeInbound(Unpooled.buffer().writeInt(TunnelWire.MAX_HEADER + 1).writeZero(16));
    assertEquals(1, failures.size());
    assertTrue(failures.get(0).contains("header length"), failures.get(0));
    assertFalse(ch.isOpen());
  }

  @Test
  void aStreamEndingBeforeItsHeaderFails() {
    EmbeddedChannel ch = new EmbeddedChannel(reader);
    ch.writeInbound(Unpooled.buffer().writeInt(100).writeZero(10));
    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    assertEquals(List.of("tunnel: stream ended before its header"), failures);
    assertTrue(headers.isEmpty());
  }
}
