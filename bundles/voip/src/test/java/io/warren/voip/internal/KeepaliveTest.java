package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.TransportException;
import io.warren.testing.Await;
import io.warren.testing.Configs;
import io.warren.testing.FakeDirectory;
import io.warren.testing.StreamProbes;
import io.warren.testing.TestEventLoops;
import io.warren.voip.Call;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The keepalive of an answered call against a scripted other side over local streams: answered
 * pings keep the call, unanswered ones in a row end it as lost, so does "no such call" at once,
 * "ended <state>" (a HANGUP that crossed the PING) ends it in that state, while an answer the node
 * does not understand (an older node) keeps it.
 */
class KeepaliveTest {
  private static final PeerRef A = peer(1);
  private static final String ID = "00112233445566bb";
  private final TestEventLoops loops = new TestEventLoops(1);
  private final DefaultEventLoopGroup local = new DefaultEventLoopGroup(1);
  private final AtomicInteger pings = new AtomicInteger();
  private volatile Function<String, String> other = line -> "OK active";
  private volatile boolean reachable = true;
  private Channel listener;
  private VoipService voip;

  private static PeerRef peer(int n) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) n);
    return PeerRef.nostr(k);
  }

  @AfterEach
  void stop() throws Exception {
    if (voip != null) {
      voip.deactivate();
    }
    if (listener != null) {
      listener.close().sync();
    }
    local.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    loops.close();
  }

  /** A callee service whose requests reach A's scripted answers ({@link #other}) while {@link #reachable}. */
  private VoipService callee(String ports) throws Exception {
    LocalAddress address = new LocalAddress(KeepaliveTest.class);
    listener = new ServerBootstrap().group(local).channel(LocalServerChannel.class)
        .childHandler(new ChannelInitializer<LocalChannel>() {
          @Override
          protected void initChannel(LocalChannel ch) {
            ch.pipeline().addLast(new LineBasedFrameDecoder(Wire.MAX_LINE), new SimpleChannelInboundHandler<ByteBuf>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                String line = msg.toString(StandardCharsets.UTF_8);
                if (line.startsWith(Wire.PING)) {
                  pings.incrementAndGet();
                }
                ctx.writeAndFlush(Unpooled.copiedBuffer(other.apply(line) + "\n", StandardCharsets.UTF_8))
                    .addListener(ChannelFutureListener.CLOSE);
              }
            });
          }
        }).bind(address).sync().channel();
    FakeDirectory directory = new FakeDirectory().opening((peer, protocol) -> {
      if (!reachable) {
        return CompletableFuture.failedFuture(new TransportException("connection refused"));
      }
      CompletableFuture<Stream> f = new CompletableFuture<>();
      var connect = new Bootstrap().group(local).channel(LocalChannel.class)
          .handler(new ChannelInitializer<LocalChannel>() {
            @Override
            protected void initChannel(LocalChannel ch) {}
          }).connect(address);
      connect.addListener(c -> {
        if (c.isSuccess()) {
          f.complete(StreamProbes.over(connect.channel(), peer, protocol));
        } else {
          f.completeExceptionally(c.cause());
        }
      });
      return f;
    });
    voip = new VoipService(directory, loops, Configs.of(VoipConfig.class,
        Map.of("keepalive_seconds", 1, "keepalive_missed", 2, "media_ports", ports)));
    voip.setMembers(Members.of(A));
    assertEquals("OK ringing", voip.serve(A, "OFFER " + ID + " pcmu overlay"));
    assertEquals("active", voip.answer(ID, null, null).state());
    return voip;
  }

  private Call call() {
    return voip.calls().stream().filter(c -> c.id().equals(ID)).findFirst().orElseThrow();
  }

  @Test
  void answeredPingsKeepTheCallAndUnansweredOnesEndItAsLost() throws Exception {
    callee("45320-45329");
    other = line -> line.startsWith(Wire.PING) ? "OK pong" : "ERR ?";
    Await.until(Duration.ofSeconds(30), Duration.ofMillis(50), () -> pings.get() >= 3, "three pings answered");
    assertEquals("active", call().state(), "answered pings keep the call");
    reachable = false; // the other node vanished: no stream opens any more
    Await.until(Duration.ofSeconds(30), Duration.ofMillis(50), () -> call().state().equals("lost"),
        "the call ended as lost");
    assertEquals(Wire.error("ended lost"), voip.serve(A, "PING " + ID),
        "out of the table, and a late PING from the other side learns how it ended");
  }

  @Test
  void aHangupThatCrossesAPingEndsTheCallAsHungUpNotLost() throws Exception {
    callee("45350-45359");
    other = line -> line.startsWith(Wire.PING) ? "OK pong" : "ERR ?";
    Await.until(Duration.ofSeconds(30), Duration.ofMillis(50), () -> pings.get() >= 1, "a ping answered");
    // the other side hung up; its HANGUP is still on the way when this node's next PING arrives there
    other = line -> Wire.error(Wire.ENDED + " hungup");
    Await.until(Duration.ofSeconds(30), Duration.ofMillis(50), () -> !call().state().equals("active"),
        "the call ended");
    assertEquals("hungup", call().state(), "ended as the other side ended it, not as lost");
  }

  @Test
  void aCallThatEndedHereMomentsAgoIsSaidToHaveEndedNotToBeUnknown() throws Exception {
    callee("45360-45369");
    assertEquals("hungup", voip.hangup(ID).state());
    assertEquals(Wire.error(Wire.ENDED + " hungup"), voip.serve(A, "PING " + ID),
        "a PING crossing this side's HANGUP must not make the other side end the call as lost");
    assertTrue(voip.serve(peer(2), "PING " + ID).startsWith("ERR not a member"));
  }

  @Test
  void anOtherSideThatForgotTheCallEndsItAndAnOlderOneKeepsIt() throws Exception {
    callee("45330-45339");
    other = line -> line.startsWith(Wire.PING) ? "ERR unknown request PING" : "ERR ?";
    Await.until(Duration.ofSeconds(30), Duration.ofMillis(50), () -> pings.get() >= 3, "three pings");
    assertEquals("active", call().state(), "an answer it does not understand still says the node is there");
    other = line -> Wire.error(Wire.NO_SUCH_CALL);
    Await.until(Duration.ofSeconds(30), Duration.ofMillis(50), () -> call().state().equals("lost"),
        "the call ended as lost at the first 'no such call'");
  }

  @Test
  void aPingIsAnsweredOnlyForTheCallsOfItsSender() throws Exception {
    callee("45340-45349");
    assertEquals("OK pong", voip.serve(A, "PING " + ID));
    assertEquals(Wire.error(Wire.NO_SUCH_CALL), voip.serve(A, "PING 00112233445566cc"));
    assertTrue(voip.serve(peer(2), "PING " + ID).startsWith("ERR not a member"));
  }
}
