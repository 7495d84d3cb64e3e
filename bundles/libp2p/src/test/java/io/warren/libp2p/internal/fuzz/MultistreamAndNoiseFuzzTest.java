package io.warren.libp2p.internal.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.ProtocolException;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.multistream.Multistream;
import io.warren.libp2p.internal.multistream.MultistreamHandler;
import io.warren.libp2p.internal.noise.NoiseConfig;
import io.warren.libp2p.internal.noise.NoiseFrameDecoder;
import io.warren.libp2p.internal.noise.NoiseHandler;
import io.warren.testing.Fuzz;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzz targets for the first bytes of every libp2p connection: multistream-select (listener and
 * dialer), the Noise frame decoder and the Noise handshake (responder and initiator). Bad input fails
 * the negotiation with a {@link ProtocolException}, never another exception, and no decoder holds
 * more than one frame.
 */
class MultistreamAndNoiseFuzzTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_INPUT = 4096;
  private static final String YAMUX = "/yamux/1.0.0";
  private static final Ed25519Identity ID = Ed25519Identity.generate();

  static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  static byte[] msgs(String... m) {
    return bytes(Multistream.encode(ByteBufAllocator.DEFAULT, m));
  }

  static byte[] noiseFrame(byte[] body) {
    byte[] out = new byte[body.length + 2];
    out[0] = (byte) (body.length >>> 8);
    out[1] = (byte) body.length;
    System.arraycopy(body, 0, out, 2, body.length);
    return out;
  }

  @Provide
  Arbitrary<byte[]> multistream() {
    return Fuzz.bytes(MAX_INPUT, List.of(msgs(Multistream.PROTOCOL_ID, "/noise"), msgs(Multistream.PROTOCOL_ID, "ls"),
        msgs(Multistream.PROTOCOL_ID, "/tls/1.0.0", "/noise", "na"), msgs(Multistream.PROTOCOL_ID, YAMUX),
        msgs(Multistream.PROTOCOL_ID, "na")));
  }

  @Provide
  Arbitrary<byte[]> noise() {
    Random r = new Random(1);
    byte[] e = new byte[32];
    r.nextBytes(e);
    byte[] m3 = new byte[48 + 120];
    r.nextBytes(m3);
    byte[] m2 = new byte[32 + 48 + 120];
    r.nextBytes(m2);
    byte[] both = new byte[2 + 32 + 2 + m3.length];
    System.arraycopy(noiseFrame(e), 0, both, 0, 34);
    System.arraycopy(noiseFrame(m3), 0, both, 34, m3.length + 2);
    return Fuzz.bytes(MAX_INPUT, List.of(noiseFrame(e), both, noiseFrame(m2), noiseFrame(new byte[0])));
  }

  /** Drops whatever passes the handler under test. */
  static final class Sink extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }
  }

  private static void feed(EmbeddedChannel ch, byte[] input, int chunk) {
    for (int at = 0; at < input.length && ch.isOpen(); at += chunk) {
      ch.writeInbound(Unpooled.wrappedBuffer(input, at, Math.min(chunk, input.length - at)));
      ch.runPendingTasks();
    }
  }

  /**
   * What the handlers under test may fail with: their protocol error, possibly wrapped by Netty, with
   * a failed decryption or signature check (the JDK's crypto errors) as its cause.
   */
  private static final Class<?>[] DOCUMENTED = {ProtocolException.class, DecoderException.class,
      GeneralSecurityException.class};

  /**
   * Feeds the input; the pipeline saw nothing undocumented and the negotiation, if it failed,
   * failed with a {@link ProtocolException} that does not hide another exception.
   */
  private static void run(byte[] input, int chunk, EmbeddedChannel ch, CompletableFuture<?> result) {
    try {
      feed(ch, input, chunk);
      ch.checkException();
    } catch (Throwable t) {
      Fuzz.expectOnly(input, t, DOCUMENTED);
    }
    if (result.isCompletedExceptionally()) {
      try {
        result.join();
      } catch (CompletionException e) {
        Fuzz.expectOnly(input, e.getCause(), DOCUMENTED);
      }
    }
  }

  @Property(seed = Fuzz.SEED)
  void multistreamListener(@ForAll("multistream") byte[] input, @ForAll @IntRange(min = 1, max = 32) int chunk) {
    MultistreamHandler h = MultistreamHandler.listener(List.of("/noise", YAMUX), (ctx, p) -> {}, TIMEOUT);
    EmbeddedChannel ch = new EmbeddedChannel(h, new Sink());
    try {
      run(input, chunk, ch, h.result());
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Property(seed = Fuzz.SEED)
  void multistreamDialer(@ForAll("multistream") byte[] input, @ForAll @IntRange(min = 1, max = 32) int chunk) {
    MultistreamHandler h = MultistreamHandler.dialer(List.of("/tls/1.0.0", "/noise"), (ctx, p) -> {}, TIMEOUT);
    EmbeddedChannel ch = new EmbeddedChannel(h, new Sink());
    try {
      run(input, chunk, ch, h.result());
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Property(seed = Fuzz.SEED)
  void noiseFrameDecoder(@ForAll("noise") byte[] input, @ForAll @IntRange(min = 1, max = 64) int chunk) {
    NoiseFrameDecoder decoder = new NoiseFrameDecoder();
    List<Throwable> errors = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
      }
    });
    try {
      Fuzz.expect(input, () -> feed(ch, input, chunk));
      assertTrue(Fuzz.buffered(decoder) <= 2 + NoiseFrameDecoder.MAX_FRAME_LENGTH, "holds more than a frame");
      ch.close(); // decodeLast: a truncated frame is reported
      for (Throwable t : errors) {
        Fuzz.expectOnly(input, t, DOCUMENTED);
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Property(seed = Fuzz.SEED)
  void noiseResponderHandshake(@ForAll("noise") byte[] input, @ForAll @IntRange(min = 1, max = 64) int chunk) {
    NoiseHandler h = NoiseHandler.responder(new NoiseConfig(ID, List.of(YAMUX)), TIMEOUT);
    EmbeddedChannel ch = new EmbeddedChannel(new NoiseFrameDecoder(), h, new Sink());
    try {
      run(input, chunk, ch, h.handshakeResult());
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Property(seed = Fuzz.SEED)
  void noiseInitiatorHandshake(@ForAll("noise") byte[] input, @ForAll @IntRange(min = 1, max = 64) int chunk) {
    NoiseHandler h = NoiseHandler.initiator(new NoiseConfig(ID, List.of(YAMUX)), null, TIMEOUT);
    EmbeddedChannel ch = new EmbeddedChannel(new NoiseFrameDecoder(), h, new Sink());
    try {
      run(input, chunk, ch, h.handshakeResult());
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzMultistreamListener(byte[] input) {
    multistreamListener(input, Fuzz.chunk(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzMultistreamDialer(byte[] input) {
    multistreamDialer(input, Fuzz.chunk(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzNoiseFrameDecoder(byte[] input) {
    noiseFrameDecoder(input, Fuzz.chunk(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzNoiseResponderHandshake(byte[] input) {
    noiseResponderHandshake(input, Fuzz.chunk(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzNoiseInitiatorHandshake(byte[] input) {
    noiseInitiatorHandshake(input, Fuzz.chunk(input));
  }
}
