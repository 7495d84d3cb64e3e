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
import java.util.function.LongConsumer;

/**
 * The pushing side of {@value DeployService#PROTOCOL}: sends the token line, reads the target's
 * {@code offset N} (the bytes it holds already), sends the rest of the artifact, half-closes, and
 * completes with the target's report, or exceptionally with its refusal or failure, or with
 * {@link Dropped} when the stream could not be opened or ended without an answer (then a new stream
 * may resume). The answer is at most {@link #MAX_ANSWER} bytes; a longer one resets the stream.
 */
final class Push {
  static final int MAX_ANSWER = 64 * 1024;

  /** The upload's stream failed or ended without the target's answer: a resume may finish it. */
  static final class Dropped extends DeployException {
    private static final long serialVersionUID = 1L;

    Dropped(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private Push() {}

  /** Sends {@code content}; {@code offset} hears where the target said it resumes. */
  static CompletionStage<String> send(PeerDirectory directory, PeerRef target, String token, byte[] content,
      LongConsumer offset) {
    CompletableFuture<String> result = new CompletableFuture<>();
    directory.open(target, DeployService.PROTOCOL).whenComplete((stream, failure) -> {
      if (failure == null) {
        start(stream, token, content, offset, result, true);
        return;
      }
      // a node not yet updated speaks only 1.0.0: the whole artifact, no offset line, no resume
      directory.open(target, DeployService.PROTOCOL_V1).whenComplete((old, oldFailure) -> {
        if (oldFailure != null) {
          result.completeExceptionally(new Dropped("cannot open an upload stream: " + failure.getMessage(), failure));
          return;
        }
        start(old, token, content, offset, result, false);
      });
    });
    return result;
  }

  private static void start(Stream stream, String token, byte[] content, LongConsumer offset,
      CompletableFuture<String> result, boolean offsets) {
    Answer answer = new Answer(stream, content, offset, result, offsets);
    stream.channel().pipeline().addLast(answer);
    stream.channel().config().setAutoRead(true);
    stream.channel().writeAndFlush(Unpooled.copiedBuffer(token + "\n", StandardCharsets.US_ASCII))
        .addListener(f -> {
          answer.written(f);
          if (f.isSuccess() && !offsets) {
            answer.sendFrom(stream.channel().pipeline().context(answer), 0);
          }
        });
  }

  /** Waits for the target's offset, sends the rest, then collects the target's answer until the stream ends. */
  private static final class Answer extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<String> result;
    private final Stream stream;
    private final byte[] content;
    private final LongConsumer offset;
    private final ByteArrayOutputStream text = new ByteArrayOutputStream();
    private boolean sending;
    private volatile boolean sent;
    /** 1.1.0: the target says "received" once it holds every byte; 1.0.0: the last write leaving counts. */
    private final boolean offsets;

    Answer(Stream stream, byte[] content, LongConsumer offset, CompletableFuture<String> result, boolean offsets) {
      this.stream = stream;
      this.offsets = offsets;
      this.content = content;
      this.offset = offset;
      this.result = result;
    }

    void written(io.netty.util.concurrent.Future<? super Void> f) {
      if (!f.isSuccess()) {
        result.completeExceptionally(new Dropped("the upload failed: " + f.cause(), f.cause()));
        stream.reset();
      }
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
      if (!sending) {
        offered(ctx);
      }
    }

    /** The first line, when it is {@code offset N}: the rest of the artifact goes. */
    private void offered(ChannelHandlerContext ctx) {
      String all = text.toString(StandardCharsets.UTF_8);
      int nl = all.indexOf('\n');
      if (nl < 0 || !all.startsWith("offset ")) {
        return;
      }
      long at;
      try {
        at = Long.parseLong(all.substring("offset ".length(), nl));
      } catch (NumberFormatException e) {
        at = -1;
      }
      if (at < 0 || at > content.length) {
        result.completeExceptionally(new DeployException("the target answered a bad offset: " + all.substring(0,
            Math.min(nl, 40))));
        stream.reset();
        return;
      }
      text.reset();
      byte[] rest = all.substring(nl + 1).getBytes(StandardCharsets.UTF_8);
      text.write(rest, 0, rest.length);
      sendFrom(ctx, at);
    }

    /** Sends the artifact from byte {@code at} on, then half-closes. */
    void sendFrom(ChannelHandlerContext ctx, long at) {
      sending = true;
      offset.accept(at);
      ctx.writeAndFlush(Unpooled.wrappedBuffer(content, (int) at, content.length - (int) at)).addListener(
          (ChannelFutureListener) f -> {
            if (f.isSuccess()) {
              sent = true;
              stream.closeWrite();
            } else {
              written(f);
            }
          });
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
      result.completeExceptionally(
          targetHasAll() ? new DeployException("the upload's stream failed after every byte went: "
              + cause, cause) : new Dropped("the upload failed: " + cause, cause));
      ctx.close();
    }

    /**
     * Whether the target has every byte, so a drop cannot be resumed: it said "received" (1.1.0),
     * or the last write left (1.0.0, which has no such line). A 1.1.0 drop before "received" resumes.
     */
    private boolean targetHasAll() {
      return offsets ? text.toString(StandardCharsets.UTF_8).startsWith(UploadReader.RECEIVED) : sent;
    }

    private void finish() {
      String all = text.toString(StandardCharsets.UTF_8);
      boolean last = targetHasAll();
      if (all.startsWith(UploadReader.RECEIVED)) {
        all = all.substring(UploadReader.RECEIVED.length());
      }
      int nl = all.indexOf('\n');
      String status = nl < 0 ? all : all.substring(0, nl);
      String report = nl < 0 ? "" : all.substring(nl + 1).stripTrailing();
      switch (status) {
        case "ok" -> result.complete(report);
        case "failed" -> result.completeExceptionally(new DeployException(report));
        // once every byte went, the target has the artifact (and spent the token): a resume cannot help
        default -> result.completeExceptionally(last ? new DeployException("the target closed the upload without an"
            + " answer after receiving it (its connection dropped while it deployed, or the deploy bundle is not"
            + " running there)") : new Dropped(
                "the upload stream ended without an answer from the target (the"
                    + " connection dropped, or the deploy bundle is not running there)",
                null));
      }
    }
  }
}
