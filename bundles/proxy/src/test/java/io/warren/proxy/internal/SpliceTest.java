package io.warren.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpliceTest {
  private static EmbeddedChannel channel() {
    EmbeddedChannel c = new EmbeddedChannel();
    c.config().setOption(ChannelOption.AUTO_READ, false);
    return c;
  }

  @Test
  void bytesCrossBothWaysAndAreCounted() {
    EmbeddedChannel a = channel();
    EmbeddedChannel b = channel();
    AtomicLong ab = new AtomicLong();
    AtomicLong ba = new AtomicLong();
    Splice.join(a, () -> { }, b, () -> { }, ab, ba);
    a.writeInbound(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
    b.writeInbound(Unpooled.copiedBuffer("world!", StandardCharsets.US_ASCII));
    ByteBuf atB = b.readOutbound();
    ByteBuf atA = a.readOutbound();
    assertEquals("hello", atB.toString(StandardCharsets.US_ASCII));
    assertEquals("world!", atA.toString(StandardCharsets.US_ASCII));
    atA.release();
    atB.release();
    assertEquals(5, ab.get());
    assertEquals(6, ba.get());
  }

  @Test
  void anEndOfInputHalfClosesTheOtherSideAndBothEndsCloseBoth() {
    EmbeddedChannel a = channel();
    EmbeddedChannel b = channel();
    AtomicBoolean aShut = new AtomicBoolean();
    AtomicBoolean bShut = new AtomicBoolean();
    Splice.join(a, () -> aShut.set(true), b, () -> bShut.set(true), new AtomicLong(), new AtomicLong());
    a.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    assertTrue(bShut.get(), "A's FIN reaches B");
    assertFalse(aShut.get());
    assertTrue(a.isOpen() && b.isOpen(), "B may still answer");
    b.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    assertTrue(aShut.get());
    a.runPendingTasks();
    b.runPendingTasks();
    assertFalse(a.isOpen() || b.isOpen(), "both directions ended: both closed");
  }

  @Test
  void closingOneSideClosesTheOther() {
    EmbeddedChannel a = channel();
    EmbeddedChannel b = channel();
    Splice.join(a, () -> { }, b, () -> { }, new AtomicLong(), new AtomicLong());
    a.close();
    b.runPendingTasks();
    assertFalse(b.isOpen());
  }
}
