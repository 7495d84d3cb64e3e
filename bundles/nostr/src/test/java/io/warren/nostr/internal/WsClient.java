package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.warren.api.channel.EventLoops;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A plain WebSocket client for tests: every text message received lands in a queue. */
final class WsClient implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closeStatus = new CompletableFuture<>();
  final Channel channel;

  /** Connects to {@code url} on the test's event loops. */
  WsClient(EventLoops loops, String url) throws Exception {
    URI uri = URI.create(url);
    CompletableFuture<Void> handshake = new CompletableFuture<>();
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(uri)
        .version(WebSocketVersion.V13)
        .customHeaders(new DefaultHttpHeaders())
        .maxFramePayloadLength(64 << 20)
        .handleCloseFrames(false)
        .build();
    channel = new Bootstrap().group(loops.group()).channel(loops.socketChannel())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                new WebSocketClientProtocolHandler(config),
                new SimpleChannelInboundHandler<WebSocketFrame>() {
                  @Override
                  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                      handshake.complete(null);
                    }
                    ctx.fireUserEventTriggered(evt);
                  }

                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame f) {
                    if (f instanceof TextWebSocketFrame t) {
                      received.add(t.text());
                    } else if (f instanceof CloseWebSocketFrame c) {
                      closeStatus.complete(c.statusCode());
                    }
                  }

                  @Override
                  public void channelInactive(ChannelHandlerContext ctx) {
                    closeStatus.complete(-1);
                    handshake.completeExceptionally(new IllegalStateException("closed"));
                  }
                });
          }
        })
        .connect(uri.getHost(), uri.getPort()).sync().channel();
    handshake.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  void send(String text) {
    channel.writeAndFlush(new TextWebSocketFrame(text)).syncUninterruptibly();
  }

  void sendFrame(WebSocketFrame frame) {
    channel.writeAndFlush(frame).syncUninterruptibly();
  }

  void send(byte[] utf8) {
    channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(utf8))).syncUninterruptibly();
  }

  /** The next message that matches, skipping others; fails after the timeout. */
  List<?> next(Predicate<List<?>> wanted) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      String m = received.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (m == null) {
        fail("no matching message within " + TIMEOUT.toSeconds() + " s");
      }
      List<?> l = (List<?>) Json.parse(m);
      if (wanted.test(l)) {
        return l;
      }
    }
  }

  /** The next message of a type, skipping others. */
  List<?> next(String type) throws InterruptedException {
    return next(l -> type.equals(l.get(0)));
  }

  /** Every message up to and including EOSE (or CLOSED) for {@code subId}. */
  List<List<?>> untilEose(String subId) throws InterruptedException {
    List<List<?>> out = new ArrayList<>();
    while (true) {
      List<?> m = next(l -> l.size() > 1 && subId.equals(l.get(1)));
      out.add(m);
      if ("EOSE".equals(m.get(0)) || "CLOSED".equals(m.get(0))) {
        return out;
      }
    }
  }

  /** The OK for {@code eventId}. */
  List<?> ok(String eventId) throws InterruptedException {
    return next(l -> "OK".equals(l.get(0)) && eventId.equals(l.get(1)));
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
