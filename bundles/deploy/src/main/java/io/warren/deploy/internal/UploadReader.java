package io.warren.deploy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.warren.api.Stream;
import io.warren.deploy.internal.Uploads.Upload;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The target's side of a {@value DeployService#PROTOCOL} stream: a line with the upload token
 * (32 hex digits), then exactly the announced number of bytes, then nothing (the pusher half-closes).
 * A token that is not live for this peer, a longer line, bytes arriving with the artifact beyond its
 * announced size, or bytes of another SHA-256 end the stream with a refusal; the artifact, once
 * whole, goes to {@code deploy} off the event loop, whose answer is written back: a status line
 * ({@code ok} or {@code failed}) and the report, then the end of the stream. What arrives after the
 * artifact went to {@code deploy} is dropped.
 */
final class UploadReader extends ChannelInboundHandlerAdapter {
  private static final int TOKEN_LINE = 33;

  private final Stream stream;
  private final Function<String, Optional<Upload>> take;
  private final BiFunction<Upload, byte[], java.util.concurrent.CompletionStage<String>> deploy;
  private final StringBuilder line = new StringBuilder();
  private Upload upload;
  private byte[] content;
  private int filled;
  private boolean done;

  UploadReader(Stream stream, Function<String, Optional<Upload>> take,
      BiFunction<Upload, byte[], java.util.concurrent.CompletionStage<String>> deploy) {
    this.stream = stream;
    this.take = take;
    this.deploy = deploy;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    try {
      while (in.isReadable() && !done) {
        if (upload == null) {
          byte b = in.readByte();
          if (b != '\n') {
            line.append((char) (b & 0xff));
            if (line.length() >= TOKEN_LINE) {
              answer(ctx, false, "refused: no upload token line");
            }
            continue;
          }
          Optional<Upload> u = take.apply(line.toString());
          if (u.isEmpty()) {
            answer(ctx, false, "refused: no live upload for this token and peer (deploy:push asks for one with"
                + " the node's admin authorisation)");
            return;
          }
          upload = u.get();
          content = new byte[(int) upload.size()];
        } else {
          int n = Math.min(in.readableBytes(), content.length - filled);
          in.readBytes(content, filled, n);
          filled += n;
        }
        if (upload != null && filled == content.length && !done) {
          done = true;
          if (in.isReadable()) {
            answer(ctx, false, "refused: more bytes than the " + content.length + " announced");
            return;
          }
          if (!Deployments.sha256(content).equals(upload.digest())) {
            answer(ctx, false, "refused: the bytes received do not have the announced SHA-256");
            return;
          }
          deploy.apply(upload, content).whenComplete((report, failure) -> ctx.executor().execute(() -> answer(ctx,
              failure == null, failure == null ? report : message(failure))));
          content = null;
        }
      }
    } finally {
      in.release();
    }
  }

  private static String message(Throwable t) {
    Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }

  /** Whether the artifact came whole (or the stream was answered). */
  boolean finished() {
    return done;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    stream.reset();
  }

  private void answer(ChannelHandlerContext ctx, boolean ok, String text) {
    done = true;
    ByteBuf out = Unpooled.copiedBuffer((ok ? "ok\n" : "failed\n") + text + "\n", StandardCharsets.UTF_8);
    ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
  }
}
