package io.warren.api.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.warren.api.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The ingress protocol {@value #PROTOCOL}, by which a service hands a connection to a port on
 * another node (the proxy bundle's egress rules, the tls bundle's routes; the proxy bundle's
 * ingress rules decide whether the port is reachable). After the protocol is negotiated the dialer
 * sends {@code [1][u16 target port][u16 origin port]}; the ingress side answers {@code [status][u16
 * length][reason]} ({@link #CONNECTED}, {@link #NOT_ALLOWED}, {@link #TARGET_FAILED}) and from then
 * on the stream carries the connection's bytes both ways, with half-close.
 */
public final class IngressWire {
  public static final String PROTOCOL = "/warren/proxy/1.0.0";
  public static final int VERSION = 1;
  public static final int HEADER_BYTES = 5;
  /** The longest reason an answer may carry. */
  public static final int REPLY_MAX = 1024;
  public static final int CONNECTED = 0;
  public static final int NOT_ALLOWED = 1;
  public static final int TARGET_FAILED = 2;
  /** Name of the answer reader in the stream's pipeline while {@link #dial} waits. */
  public static final String ANSWER_HANDLER = "ingress-answer";

  private IngressWire() {}

  /** The ingress side: writes an answer, its reason clipped to {@link #REPLY_MAX} bytes. */
  public static ChannelFuture reply(Channel c, int status, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    if (text.length > REPLY_MAX) {
      text = Arrays.copyOf(text, REPLY_MAX);
    }
    return c.writeAndFlush(Unpooled.buffer(3 + text.length).writeByte(status).writeShort(text.length).writeBytes(text));
  }

  /**
   * The dialer side, on a stream just opened for {@link #PROTOCOL} (auto-read off): sends the
   * header and reads the answer. Completes, on the stream's event loop, with the bytes that came
   * after a {@link #CONNECTED} answer (the caller releases them; the answer reader is gone from
   * the pipeline), or exceptionally with a {@link ProtocolException} saying why ({@code refused:
   * <reason>}, an answer too long, the stream closed before answering), after closing the stream.
   */
  public static CompletableFuture<ByteBuf> dial(Channel stream, int targetPort, int originPort) {
    CompletableFuture<ByteBuf> answered = new CompletableFuture<>();
    stream.pipeline().addLast(ANSWER_HANDLER, new AnswerReader(answered));
    stream
        .writeAndFlush(Unpooled.buffer(HEADER_BYTES).writeByte(VERSION).writeShort(targetPort).writeShort(originPort));
    stream.read();
    return answered;
  }

  private static final class AnswerReader extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<ByteBuf> answered;
    private ByteBuf buffer;

    AnswerReader(CompletableFuture<ByteBuf> answered) {
      this.answered = answered;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      if (buffer == null) {
        buffer = ctx.alloc().buffer();
      }
      buffer.writeBytes(in);
      in.release();
      if (buffer.readableBytes() < 3
          || buffer.readableBytes() < 3 + buffer.getUnsignedShort(buffer.readerIndex() + 1)) {
        if (buffer.readableBytes() > 3 + REPLY_MAX) {
          fail(ctx, "an answer longer than " + REPLY_MAX + " bytes");
        } else {
          ctx.read();
        }
        return;
      }
      int status = buffer.readUnsignedByte();
      String reason = buffer.readCharSequence(buffer.readUnsignedShort(), StandardCharsets.UTF_8).toString();
      if (status != CONNECTED) {
        fail(ctx, "refused: " + reason);
        return;
      }
      ByteBuf rest = buffer;
      buffer = null;
      ctx.pipeline().remove(this);
      if (!answered.complete(rest)) {
        rest.release();
      }
    }

    private void fail(ChannelHandlerContext ctx, String why) {
      release();
      answered.completeExceptionally(new ProtocolException(why));
      ctx.close();
    }

    private void release() {
      if (buffer != null) {
        buffer.release();
        buffer = null;
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      release();
      answered.completeExceptionally(new ProtocolException("closed the stream before answering"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      release();
      answered.completeExceptionally(cause);
      ctx.close();
    }
  }
}
