package io.warren.api.channel;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpliceTest {

  /** An embedded channel that can half-close, like a TCP socket or a Yamux stream. */
  static final class Duplex extends EmbeddedChannel implements DuplexChannel {
    boolean outputShut;

    @Override
    public boolean isInputShutdown() {
      return false;
    }

    @Override
    public ChannelFuture shutdownInput() {
      return newSucceededFuture();
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
      return promise.setSuccess();
    }

    @Override
    public boolean isOutputShutdown() {
      return outputShut;
    }

    @Override
    public ChannelFuture shutdownOutput() {
      outputShut = true;
      return newSucceededFuture();
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
      outputShut = true;
      return promise.setSuccess();
    }

    @Override
    public boolean isShutdown() {
      return outputShut;
    }

    @Override
    public ChannelFuture shutdown() {
      return shutdownOutput();
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
      return shutdownOutput(promise);
    }
  }

  private static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, US_ASCII);
  }

  private static String read(EmbeddedChannel ch) {
    ByteBuf b = ch.readOutbound();
    try {
      return b.toString(US_ASCII);
    } finally {
      b.release();
    }
  }

  @Test
  void bytesCrossBothWaysAndAreCounted() {
    EmbeddedChannel a = new EmbeddedChannel();
    EmbeddedChannel b = new EmbeddedChannel();
    AtomicLong aToB = new AtomicLong();
    AtomicLong bToA = new AtomicLong();
    Splice s = Splice.between(a, b).count(aToB::addAndGet, bToA::addAndGet).start();
    a.writeInbound(text("hello"));
    b.writeInbound(text("world!"));
    assertEquals("hello", read(b));
    assertEquals("world!", read(a));
    assertEquals(5, aToB.get());
    assertEquals(6, bToA.get());
    assertEquals(5, s.bytesAToB());
    assertFalse(s.ended().isDone());
  }

  @Test
  void bothInputsEndingCompletesTheSplice() {
    Duplex a = new Duplex();
    Duplex b = new Duplex();
    Splice s = Splice.between(a, b).start();
    a.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    a.runPendingTasks();
    b.runPendingTasks();
    assertFalse(s.ended().isDone(), "one direction ended, the other goes on");
    assertTrue(b.outputShut, "the end of a's input half-closes b");
    assertTrue(b.isOpen());
    b.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    a.runPendingTasks();
    b.runPendingTasks();
    assertEquals(Splice.End.COMPLETED, s.ended().getNow(null));
    assertFalse(a.isOpen());
    assertFalse(b.isOpen());
  }

  @Test
  void oneSideClosingClosesTheOther() {
    EmbeddedChannel a = new EmbeddedChannel();
    EmbeddedChannel b = new EmbeddedChannel();
    Splice s = Splice.between(a, b).start();
    a.close();
    b.runPendingTasks();
    assertFalse(b.isOpen());
    assertEquals(Splice.End.CLOSED, s.ended().getNow(null));
  }

  /** An embedded channel that records a reset, like a Yamux stream. */
  static final class Stream extends EmbeddedChannel implements Resettable {
    boolean wasReset;

    @Override
    public ChannelFuture reset() {
      wasReset = true;
      return close();
    }
  }

  @Test
  void aSideThatGoesAwayBeforeItsEndResetsTheOtherAfterAFlush() {
    EmbeddedChannel a = new EmbeddedChannel();
    Stream b = new Stream();
    Splice s = Splice.between(a, b).start();
    a.writeInbound(text("last words"));
    a.close();
    b.runPendingTasks();
    assertEquals("last words", read(b), "what was written before is flushed first");
    assertTrue(b.wasReset, "a side gone before its input ended is passed on as a reset");
    assertEquals(Splice.End.CLOSED, s.ended().getNow(null));
  }

  @Test
  void passingTheByteLimitClosesBothWithoutForwarding() {
    EmbeddedChannel a = new EmbeddedChannel();
    Stream b = new Stream();
    Splice s = Splice.between(a, b).maxBytesPerDirection(8).start();
    a.writeInbound(text("12345678"));
    assertEquals("12345678", read(b));
    a.writeInbound(text("9"));
    assertNull(b.readOutbound(), "bytes past the limit are not forwarded");
    assertEquals(Splice.End.BYTE_LIMIT, s.ended().getNow(null));
    assertTrue(b.wasReset, "a limit aborts: streams are reset");
    assertFalse(a.isOpen());
    assertFalse(b.isOpen());
  }

  @Test
  void aPacerIsAskedForEveryBurst() {
    EmbeddedChannel a = new EmbeddedChannel();
    EmbeddedChannel b = new EmbeddedChannel();
    AtomicLong paced = new AtomicLong();
    Splice.between(a, b).pace(n -> {
      paced.addAndGet(n);
      return 0;
    }).start();
    a.writeInbound(text("abc"));
    b.writeInbound(text("de"));
    assertEquals(5, paced.get());
    assertTrue(a.isOpen());
  }
}
