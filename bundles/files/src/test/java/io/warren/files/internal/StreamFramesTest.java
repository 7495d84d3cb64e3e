package io.warren.files.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import java.io.EOFException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link StreamFrames} on an {@link EmbeddedChannel}: reassembly, read demand, writes, the end. */
class StreamFramesTest {
  private final AtomicInteger reads = new AtomicInteger();
  private final EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
    @Override
    public void read(ChannelHandlerContext ctx) {
      reads.incrementAndGet();
      ctx.read();
    }
  });

  private StreamFrames frames() {
    return new StreamFrames(new Stream() {
      @Override
      public Channel channel() {
        return ch;
      }

      @Override
      public PeerRef peer() {
        return PeerRef.parse("libp2p:12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo");
      }

      @Override
      public String protocol() {
        return Wire.PROTOCOL;
      }

      @Override
      public boolean relayed() {
        return false;
      }
    });
  }

  @Test
  void aFrameInPiecesIsReadWholeAndWritesGoOut() throws Exception {
    StreamFrames f = frames();
    byte[] payload = Wire.abort("stopped");
    ByteBuf whole = Wire.frame(Unpooled.buffer().alloc(), Wire.ABORT, payload);
    ch.writeInbound(whole.readRetainedSlice(3), whole.readRetainedSlice(4),
        whole.readRetainedSlice(whole.readableBytes()));
    whole.release();
    assertEquals(Wire.ABORT, f.next(1000));
    assertEquals("stopped", Wire.abortReason(f.payload(), f.length()));

    f.send(Wire.DONE, new byte[0]);
    ByteBuf out = ch.readOutbound();
    assertEquals(Wire.DONE, out.readByte());
    assertEquals(0, out.readInt());
    out.release();
  }

  @Test
  void theStreamIsNotReadWhileTooMuchWaitsForTheWorker() throws Exception {
    StreamFrames f = frames();
    int before = reads.get();
    byte[] big = new byte[StreamFrames.READ_HIGH + 1];
    ch.writeInbound(Unpooled.wrappedBuffer(big));
    assertEquals(before, reads.get(), "paused: no more read() while " + big.length + " bytes wait");
    byte[] got = new byte[big.length];
    f.readFully(got, 0, got.length, 1000);
    assertArrayEquals(big, got);
    assertEquals(before + 1, reads.get(), "reading again once the worker took them");
  }

  @Test
  void theEndOfTheStreamEndsAWaitingRead() {
    StreamFrames f = frames();
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {Wire.DATA, 0, 0}));
    ch.close();
    assertThrows(EOFException.class, () -> f.next(1000));
  }
}
