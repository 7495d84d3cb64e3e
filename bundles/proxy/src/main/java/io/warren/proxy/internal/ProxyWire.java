package io.warren.proxy.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The proxy protocol {@value #PROTOCOL}, after the protocol is negotiated: the egress side sends
 * {@code [1][u16 target port][u16 own listen port]}; the ingress side answers {@code [status][u16
 * length][reason]} ({@link #CONNECTED}, {@link #NOT_ALLOWED}, {@link #TARGET_FAILED}) and from then
 * on the stream carries the connection's bytes both ways, with half-close.
 */
final class ProxyWire {
  static final String PROTOCOL = "/warren/proxy/1.0.0";
  static final int VERSION = 1;
  static final int HEADER_BYTES = 5;
  /** The longest reason an answer may carry. */
  static final int REPLY_MAX = 1024;
  static final int CONNECTED = 0;
  static final int NOT_ALLOWED = 1;
  static final int TARGET_FAILED = 2;

  private ProxyWire() {}

  /** Writes an answer, its reason clipped to {@link #REPLY_MAX} bytes. */
  static ChannelFuture reply(Channel c, int status, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    if (text.length > REPLY_MAX) {
      text = Arrays.copyOf(text, REPLY_MAX);
    }
    return c.writeAndFlush(Unpooled.buffer(3 + text.length).writeByte(status).writeShort(text.length).writeBytes(text));
  }

  /** The message of {@code t}'s real cause, for logs and answers. */
  static String reason(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return m == null || m.isBlank() ? c.getClass().getSimpleName() : m;
  }
}
