package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The asking side of {@link Wire}: one stream per request, blocking the caller until the answer or the timeout. */
final class Requests {
  private final PeerDirectory directory;
  private final long timeoutMillis;

  Requests(PeerDirectory directory, long timeoutMillis) {
    this.directory = directory;
    this.timeoutMillis = timeoutMillis;
  }

  /** Sends one request line and waits for the answer line. */
  String send(PeerRef peer, String line) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    CompletableFuture<Stream> opened = directory.open(peer, Wire.PROTOCOL).toCompletableFuture();
    try {
      Stream s = opened.get(timeoutMillis, TimeUnit.MILLISECONDS);
      try {
        s.channel().pipeline().addLast(new LineBasedFrameDecoder(Wire.MAX_LINE), new Answer(answer));
        s.channel().config().setAutoRead(true);
        s.channel().writeAndFlush(Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8));
        return answer.get(timeoutMillis, TimeUnit.MILLISECONDS);
      } finally {
        s.channel().close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("voip: interrupted waiting for " + peer, e);
    } catch (java.util.concurrent.TimeoutException e) {
      opened.thenAccept(s -> s.channel().close());
      throw new IllegalArgumentException("voip: " + peer + " did not answer within " + timeoutMillis + " ms", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalArgumentException("voip: cannot reach " + peer + ": " + e.getCause().getMessage(), e);
    }
  }

  /** Completes with the first line read, or exceptionally when the stream ends first. */
  private static final class Answer extends SimpleChannelInboundHandler<ByteBuf> {
    private final CompletableFuture<String> answer;

    Answer(CompletableFuture<String> answer) {
      this.answer = answer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
      answer.complete(line.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      answer.completeExceptionally(new IllegalStateException("the stream closed without an answer"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      answer.completeExceptionally(cause);
      ctx.close();
    }
  }

}
