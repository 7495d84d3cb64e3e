package io.warren.libp2p.internal.host;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.channel.Splice;
import java.net.InetSocketAddress;

/**
 * A negotiated stream handed to a service: a Yamux stream, or a QUIC stream on a {@code /quic-v1}
 * connection. Its channel has auto-read off.
 */
public record Libp2pStream(Channel channel, PeerRef peer, String protocol, boolean relayed,
    Connection connection) implements Stream {

  /** A QUIC stream's source is the IP of its connection (the stream itself has no socket address). */
  @Override
  public String source() {
    if (channel instanceof QuicStreamChannel q && q.parent() != null
        && q.parent().remoteSocketAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      return "ip " + a.getAddress().getHostAddress();
    }
    return Stream.super.source();
  }

  @Override
  public void reset() {
    reset(channel);
  }

  /**
   * Aborts {@code ch} both ways: a QUIC stream with RESET_STREAM and STOP_SENDING (error 0), a Yamux
   * stream with RST, anything else by closing it.
   */
  public static void reset(Channel ch) {
    if (ch instanceof QuicStreamChannel q) {
      if (q.isActive()) {
        q.shutdown(0).addListener(ChannelFutureListener.CLOSE);
      } else {
        q.close();
      }
      return;
    }
    Splice.reset(ch);
  }

  /** The QUIC connection under {@code ch}, or null when it is not a QUIC stream. */
  static QuicChannel quicParent(Channel ch) {
    return ch instanceof QuicStreamChannel q ? q.parent() : null;
  }
}
