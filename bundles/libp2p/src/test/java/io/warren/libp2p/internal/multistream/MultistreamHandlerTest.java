package io.warren.libp2p.internal.multistream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.ProtocolException;
import io.warren.testing.Wire;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MultistreamHandlerTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private final List<String> selected = new ArrayList<>();
  private final List<EmbeddedChannel> channels = new ArrayList<>();

  /** Every channel is finished after the test, releasing what is left in it (leak detection stays quiet). */
  private EmbeddedChannel channel(io.netty.channel.ChannelHandler... handlers) {
    EmbeddedChannel ch = new EmbeddedChannel(handlers);
    channels.add(ch);
    return ch;
  }

  @AfterEach
  void releaseChannels() {
    channels.forEach(EmbeddedChannel::finishAndReleaseAll);
  }

  private MultistreamHandler.Selection record() {
    return (ctx, protocol) -> selected.add(protocol);
  }

  private static ByteBuf msgs(String... m) {
    return Multistream.encode(ByteBufAllocator.DEFAULT, m);
  }

  private static String text(ByteBuf b) {
    String s = Wire.ascii(b);
    b.release();
    return s;
  }

  private static String failure(MultistreamHandler h) {
    try {
      h.result().join();
      return null;
    } catch (CompletionException e) {
      assertTrue(e.getCause() instanceof ProtocolException, e.getCause().toString());
      return e.getCause().getMessage();
    }
  }

  @Test
  void encodingMatchesSpecBytes() {
    assertEquals("036e610a", HexFormat.of().formatHex(bytes(msgs("na"))));
    assertEquals("036c730a", HexFormat.of().formatHex(bytes(msgs("ls"))));
    assertEquals("132f6d756c746973747265616d2f312e302e300a",
        HexFormat.of().formatHex(bytes(msgs(Multistream.PROTOCOL_ID))));
  }

  @Test
  void listenerRefusesUnknownThenSelectsAndPassesLeftoverBytesOn() {
    MultistreamHandler h = MultistreamHandler.listener(List.of("/noise", "/yamux/1.0.0"), (ctx, p) -> {
      selected.add(p);
    }, TIMEOUT);
    EmbeddedChannel ch = channel(h);
    ch.writeInbound(msgs(Multistream.PROTOCOL_ID, "/tls/1.0.0"));
    assertEquals(text(msgs(Multistream.PROTOCOL_ID)) + text(msgs("na")), text(Wire.drainOutbound(ch)));
    ByteBuf tail = msgs("/noise");
    tail.writeBytes("early".getBytes(StandardCharsets.US_ASCII));
    ch.writeInbound(tail);
    assertEquals(text(msgs("/noise")), text(Wire.drainOutbound(ch)));
    assertEquals(List.of("/noise"), selected);
    assertEquals("/noise", h.result().join());
    assertNull(ch.pipeline().get(MultistreamHandler.class));
    ByteBuf early = ch.readInbound();
    assertEquals("early", text(early));
    assertTrue(ch.isOpen());
  }

  @Test
  void listenerAnswersLs() {
    EmbeddedChannel ch = channel(MultistreamHandler.listener(List.of("/a", "/bb"), record(), TIMEOUT));
    ch.writeInbound(msgs(Multistream.PROTOCOL_ID, "ls"));
    ByteBuf out = Wire.drainOutbound(ch);
    assertEquals(text(msgs(Multistream.PROTOCOL_ID)), Wire.ascii(out.readSlice(20)));
    // one message: <len> (<len>/a\n <len>/bb\n) \n
    assertEquals("0a032f610a042f62620a0a", HexFormat.of().formatHex(bytes(out)));
  }

  @Test
  void garbageClosesTheChannelWithAClearError() {
    MultistreamHandler h = MultistreamHandler.listener(List.of("/noise"), record(), TIMEOUT);
    EmbeddedChannel ch = channel(h);
    ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n"
        + "Accept: */*\r\nConnection: keep-alive\r\n\r\n", StandardCharsets.US_ASCII));
    assertFalse(ch.isOpen());
    assertEquals("multistream: message does not end with a newline; garbage or not multistream-select", failure(h));
    assertTrue(selected.isEmpty());
  }

  @Test
  void oversizedMessageIsRefusedBeforeBuffering() {
    MultistreamHandler h = MultistreamHandler.listener(List.of("/noise"), record(), TIMEOUT);
    EmbeddedChannel ch = channel(h);
    ch.writeInbound(Unpooled.wrappedBuffer(HexFormat.of().parseHex("ffff03")));
    assertFalse(ch.isOpen());
    assertEquals("multistream: message length 65535 (expected 1-1024); garbage or not multistream-select", failure(h));
  }

  @Test
  void wrongHeaderAndVersionAreRefused() {
    MultistreamHandler h = MultistreamHandler.listener(List.of("/noise"), record(), TIMEOUT);
    EmbeddedChannel ch = channel(h);
    ch.writeInbound(msgs("/noise"));
    assertEquals("multistream: expected header /multistream/1.0.0, got '/noise'", failure(h));
    MultistreamHandler h2 = MultistreamHandler.listener(List.of("/noise"), record(), TIMEOUT);
    channel(h2).writeInbound(msgs("/multistream/2.0.0"));
    assertEquals("multistream: unsupported version '/multistream/2.0.0' (expected /multistream/1.0.0)", failure(h2));
  }

  @Test
  void dialerPipelinesHeaderAndProposalThenFallsBackOnNa() {
    MultistreamHandler h = MultistreamHandler.dialer(List.of("/tls/1.0.0", "/noise"), record(), TIMEOUT);
    EmbeddedChannel ch = channel(h);
    assertEquals(text(msgs(Multistream.PROTOCOL_ID, "/tls/1.0.0")), text(Wire.drainOutbound(ch)));
    ch.writeInbound(msgs(Multistream.PROTOCOL_ID, "na"));
    assertEquals(text(msgs("/noise")), text(Wire.drainOutbound(ch)));
    assertTrue(selected.isEmpty());
    ch.writeInbound(msgs("/noise"));
    assertEquals(List.of("/noise"), selected);
    assertEquals("/noise", h.result().join());
  }

  @Test
  void dialerFailsWhenEverythingIsRefused() {
    MultistreamHandler h = MultistreamHandler.dialer(List.of("/a"), record(), TIMEOUT);
    EmbeddedChannel ch = channel(h);
    ch.writeInbound(msgs(Multistream.PROTOCOL_ID, "na"));
    assertEquals("multistream: peer supports none of [/a]", failure(h));
    assertFalse(ch.isOpen());
  }

  @Test
  void lazyDialerHandsOverAtOnceAndStripsTheConfirmation() {
    List<Object> received = new ArrayList<>();
    MultistreamHandler h = MultistreamHandler.lazyDialer("/echo/1.0.0", (ctx, p) -> {
      selected.add(p);
      ctx.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
          received.add(text((ByteBuf) msg));
        }
      });
    }, TIMEOUT);
    EmbeddedChannel ch = channel(h);
    assertEquals(List.of("/echo/1.0.0"), selected);
    ch.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
    assertEquals(text(msgs(Multistream.PROTOCOL_ID, "/echo/1.0.0")) + "hello", text(Wire.drainOutbound(ch)));
    ByteBuf reply = msgs(Multistream.PROTOCOL_ID, "/echo/1.0.0");
    reply.writeBytes("hello".getBytes(StandardCharsets.US_ASCII));
    ch.writeInbound(reply);
    assertEquals("/echo/1.0.0", h.result().join());
    assertEquals(List.of("hello"), received);
  }

  @Test
  void lazyDialerClosesOnNa() {
    MultistreamHandler h = MultistreamHandler.lazyDialer("/echo/1.0.0", record(), TIMEOUT);
    EmbeddedChannel ch = channel(h);
    ch.writeInbound(msgs(Multistream.PROTOCOL_ID, "na"));
    assertEquals("multistream: peer refused '/echo/1.0.0' (na) after lazy selection", failure(h));
    assertFalse(ch.isOpen());
  }

  @Test
  void dialerAndListenerAgreeOverAWire() {
    List<String> dialerSide = new ArrayList<>();
    MultistreamHandler d = MultistreamHandler.dialer(List.of("/mplex/6.7.0", "/yamux/1.0.0"),
        (ctx, p) -> dialerSide.add(p), TIMEOUT);
    MultistreamHandler l = MultistreamHandler.listener(List.of("/yamux/1.0.0"), record(), TIMEOUT);
    EmbeddedChannel a = channel(d);
    EmbeddedChannel b = channel(l);
    Wire.pump(a, b);
    assertEquals(List.of("/yamux/1.0.0"), dialerSide);
    assertEquals(List.of("/yamux/1.0.0"), selected);
    assertTrue(a.isOpen() && b.isOpen());
  }

  @Test
  void negotiationTimesOut() throws Exception {
    MultistreamHandler h = MultistreamHandler.listener(List.of("/noise"), record(), Duration.ofMillis(1));
    EmbeddedChannel ch = channel(h);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (ch.isOpen() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      ch.runScheduledPendingTasks();
    }
    assertEquals("multistream: negotiation timed out after 1 ms", failure(h));
  }

  private static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }
}
