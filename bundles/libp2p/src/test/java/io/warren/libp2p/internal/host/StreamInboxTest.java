package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An owner that reads by turning auto-read on gets its bytes (DeployTest stalled on every push when
 * the inbox took those reads for the negotiation's and held what they brought).
 */
class StreamInboxTest {
  private final List<String> seen = new ArrayList<>();

  private EmbeddedChannel channel() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setAutoRead(false);
    ch.pipeline().addLast(StreamInbox.NAME, new StreamInbox());
    ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        seen.add(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
        ((ByteBuf) msg).release();
      }
    });
    return ch;
  }

  private static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  @Test
  void anOwnerThatReadsByTurningAutoReadOnGetsEveryBuffer() {
    EmbeddedChannel ch = channel();
    StreamInbox.owned(ch);
    ch.config().setAutoRead(true);
    ch.writeInbound(text("token\n"));
    ch.writeInbound(text("more"));
    ch.writeInbound(text("and more"));
    assertEquals(List.of("token\n", "more", "and more"), seen);
  }
}
