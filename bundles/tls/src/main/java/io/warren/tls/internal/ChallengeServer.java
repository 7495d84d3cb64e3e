package io.warren.tls.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.warren.api.channel.EventLoops;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers ACME HTTP-01 challenges: {@code GET /.well-known/acme-challenge/<token>} gets the key
 * authorization of a challenge in progress, anything else 404. Bound only while a request runs.
 */
final class ChallengeServer implements AcmeClient.Challenges {
  static final String PREFIX = "/.well-known/acme-challenge/";
  private static final int MAX_REQUEST = 4096;
  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final Channel server;

  ChallengeServer(EventLoops loops, String host, int port) {
    ServerBootstrap b = loops.serverBootstrap()
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast("timeout", new ReadTimeoutHandler(10))
                .addLast("http", new HttpServerCodec(MAX_REQUEST, MAX_REQUEST, MAX_REQUEST))
                .addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST))
                .addLast("answer", new Answer());
          }
        });
    var f = b.bind(new InetSocketAddress(host, port)).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalStateException("cannot serve HTTP-01 answers on " + host + ":" + port + ": "
          + f.cause().getMessage(), f.cause());
    }
    server = f.channel();
  }

  @Override
  public void answer(String token, String keyAuthorization) {
    answers.put(token, keyAuthorization);
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
  }

  private final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String uri = req.uri();
      String body = uri.startsWith(PREFIX) ? answers.get(uri.substring(PREFIX.length())) : null;
      FullHttpResponse res = body == null
          ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND, Unpooled.EMPTY_BUFFER)
          : new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
              Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII));
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
      res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
