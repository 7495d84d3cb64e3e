package io.warren.deploy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.deploy.DeployException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The pushing side of {@value DeployService#PROTOCOL}: sends the token line and the artifact, half-
 * closes, and completes with the target's report (or exceptionally with its refusal or failure). The
 * answer is at most {@link #MAX_ANSWER} bytes; a longer one resets the stream.
 */
final class Push {
  static final int MAX_ANSWER = 64 * 1024;

  private Push() {}

  static CompletionStage<String> send(PeerDirectory directory, PeerRef target, String token, byte[] content) {
    return directory.open(target, DeployService.PROTOCOL).thenCompose(stream -> {
      Answer answer = new Answer(stream);
      stream.channel().pipeline().addLast(answer);
      stream.channel().config().setAutoRead(true);
      ByteBuf out = Unpooled.wrappedBuffer((token + "\n").getBytes(StandardCharsets.US_ASCII), content);
      stream.channel().writeAndFlush(out).addListener((ChannelFutureListener) f -> {
        if (f.isSuccess()) {
          stream.closeWrite();
        } else {
          answer.result.completeExceptionally(new DeployException("the upload failed: " + f.cause(), f.cause()));
        }
      });
      return answer.result;
    });
  }

  /** Collects the target's answer until the stream ends. */
  private static final class Answer extends ChannelInboundHandlerAdapter {
    final CompletableFuture<String> result = new CompletableFuture<>();
    private final Stream stream;
    private final ByteArrayOutputStream text = new ByteArrayOutputStream();

    Answer(Stream stream) {
      this.stream = stream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        if (text.size() + in.readableBytes() > MAX_ANSWER) {
          result.completeExceptionally(new DeployException("the target's answer is longer than " + MAX_ANSWER));
          stream.reset();
          return;
        }
        in.readBytes(text, in.readableBytes());
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      } finally {
        in.release();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        finish();
        ctx.close();
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      result.completeExceptionally(new DeployException("the upload failed: " + cause, cause));
      ctx.close();
    }

    private void finish() {
      String all = text.toString(StandardCharsets.UTF_8);
      int nl = all.indexOf('\n');
      String status = nl < 0 ? all : all.substring(0, nl);
      String report = nl < 0 ? "" : all.substring(nl + 1).stripTrailing();
      switch (status) {
        case "ok" -> result.complete(report);
        case "failed" -> result.completeExceptionally(new DeployException(report));
        default -> result.completeExceptionally(new DeployException("the target closed the upload without an"
            + " answer (is the deploy bundle running there?)"));
      }
    }
  }
}
