package io.warren.deploy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.warren.api.Stream;
import io.warren.deploy.internal.Uploads.Upload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target's side of a {@value DeployService#PROTOCOL} stream: a line with the upload token
 * (32 hex digits); the target answers {@code offset N} with the bytes of that artifact it already
 * holds from this peer (0, or where a dropped stream stopped); then exactly the rest of the
 * announced bytes, then nothing (the pusher half-closes). A token that is not live for this peer, a
 * longer line, or bytes arriving beyond the announced size end the stream with a refusal; the
 * artifact, once whole, goes to {@code deploy} (which checks its SHA-256 off the event loop), whose
 * answer is written back: a status line ({@code ok} or {@code failed}) and the report, then the end
 * of the stream. A stream that ends before the artifact is whole leaves its bytes staged for a resume.
 */
final class UploadReader extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(UploadReader.class);
  private static final int TOKEN_LINE = 33;

  /** Written (1.1.0) once the whole artifact is here, before it is deployed. */
  static final String RECEIVED = "received\n";

  private final Stream stream;
  /** Whether the pusher speaks 1.1.0: it hears the offset and may resume; a 1.0.0 pusher sends it all. */
  private final boolean offsets;
  private final Function<String, Optional<Upload>> attach;
  private final Consumer<Upload> detached;
  private final Function<Upload, CompletionStage<String>> deploy;
  private final StringBuilder line = new StringBuilder();
  private Upload upload;
  private long filled;
  private boolean done;

  UploadReader(Stream stream, boolean offsets, Function<String, Optional<Upload>> attach,
      Consumer<Upload> detached, Function<Upload, CompletionStage<String>> deploy) {
    this.stream = stream;
    this.offsets = offsets;
    this.attach = attach;
    this.detached = detached;
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
          if (!start(ctx)) {
            return;
          }
        } else {
          int n = (int) Math.min(in.readableBytes(), upload.size() - filled);
          if (!upload.partial().write(this, in, n)) {
            LOG.info("deploy: upload stream from {} superseded by a newer one for the same artifact",
                stream.peer().id());
            done = true;
            stream.reset();
            return;
          }
          filled += n;
        }
        if (filled == upload.size() && !done) {
          done = true;
          if (in.isReadable()) {
            answer(ctx, false, "refused: more bytes than the " + upload.size() + " announced");
            return;
          }
          if (offsets) {
            // the pusher learns that every byte is here: a drop after this is final, one before it resumes
            ctx.writeAndFlush(Unpooled.copiedBuffer(RECEIVED, StandardCharsets.US_ASCII));
          }
          deploy.apply(upload).whenComplete((report, failure) -> ctx.executor().execute(() -> answer(ctx,
              failure == null, failure == null ? report : message(failure))));
        }
      }
    } catch (IOException e) {
      answer(ctx, false, "failed: the upload cannot be staged on this node: " + e.getMessage());
    } finally {
      in.release();
    }
  }

  /** The token line came: attach to its upload and say how much of it is already here. */
  private boolean start(ChannelHandlerContext ctx) throws IOException {
    Optional<Upload> u = attach.apply(line.toString());
    if (u.isEmpty()) {
      answer(ctx, false, "refused: no live upload for this token and peer (deploy:push asks for one with"
          + " the node's admin authorisation)");
      return false;
    }
    upload = u.get();
    filled = upload.partial().claim(this, offsets);
    if (filled > 0) {
      LOG.info("deploy: upload from {} resumes at {} of {} bytes", stream.peer().id(), filled, upload.size());
    }
    if (offsets) {
      ctx.writeAndFlush(Unpooled.copiedBuffer("offset " + filled + "\n", StandardCharsets.US_ASCII));
    }
    return true;
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
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    release();
    stream.reset();
  }

  /** The stream ended early: its bytes stay staged, and the token lives on for a resume. */
  private void release() {
    if (upload != null && filled < upload.size()) {
      upload.partial().release(this);
      detached.accept(upload);
    }
  }

  private void answer(ChannelHandlerContext ctx, boolean ok, String text) {
    done = true;
    if (upload != null && filled < upload.size()) {
      upload.partial().release(this);
    }
    ByteBuf out = Unpooled.copiedBuffer((ok ? "ok\n" : "failed\n") + text + "\n", StandardCharsets.UTF_8);
    ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
  }
}
