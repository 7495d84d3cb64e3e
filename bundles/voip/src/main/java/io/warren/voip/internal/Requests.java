package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The asking side of {@link Wire}: one stream per request, its answer line or a failure within a timeout. */
final class Requests {
  private final PeerDirectory directory;
  private final long timeoutMillis;

  Requests(PeerDirectory directory, long timeoutMillis) {
    this.directory = directory;
    this.timeoutMillis = timeoutMillis;
  }

  /** Sends one request line and waits for the answer line (at most the timeout, opening included). */
  String send(PeerRef peer, String line) {
    try {
      return ask(peer, line, timeoutMillis).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("voip: interrupted waiting for " + peer, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TimeoutException) {
        throw new IllegalArgumentException("voip: " + peer + " did not answer within " + timeoutMillis + " ms", e);
      }
      throw new IllegalArgumentException("voip: cannot reach " + peer + ": " + e.getCause().getMessage(), e);
    }
  }

  /**
   * Sends one request line without blocking: the answer line, or a failure (a {@link TimeoutException}
   * after {@code millis}); the stream is closed either way.
   */
  CompletableFuture<String> ask(PeerRef peer, String line, long millis) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    directory.open(peer, Wire.PROTOCOL).whenComplete((s, e) -> {
      if (e != null) {
        answer.completeExceptionally(e);
        return;
      }
      answer.whenComplete((a, x) -> s.channel().close()); // at once if it timed out already
      if (answer.isDone()) {
        return;
      }
      s.channel().pipeline().addLast(new LineBasedFrameDecoder(Wire.MAX_LINE), new Answer(answer));
      s.channel().config().setAutoRead(true);
      s.channel().writeAndFlush(Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8));
    });
    return answer.orTimeout(millis, TimeUnit.MILLISECONDS);
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
