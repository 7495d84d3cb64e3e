package io.warren.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.warren.api.channel.IngressWire;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The proxy protocol is api's {@link IngressWire} ({@value IngressWire#PROTOCOL}), which the tls
 * bundle speaks too; these names keep the proxy code short.
 */
final class ProxyWire {
  static final String PROTOCOL = IngressWire.PROTOCOL;
  static final int VERSION = IngressWire.VERSION;
  static final int HEADER_BYTES = IngressWire.HEADER_BYTES;
  static final int REPLY_MAX = IngressWire.REPLY_MAX;
  static final int CONNECTED = IngressWire.CONNECTED;
  static final int NOT_ALLOWED = IngressWire.NOT_ALLOWED;
  static final int TARGET_FAILED = IngressWire.TARGET_FAILED;

  private ProxyWire() {}

  /** Writes an answer, its reason clipped to {@link #REPLY_MAX} bytes. */
  static ChannelFuture reply(Channel c, int status, String reason) {
    return IngressWire.reply(c, status, reason);
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
