package io.warren.libp2p.internal.host;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.concurrent.Future;
import io.warren.yamux.YamuxFrame;
import io.warren.yamux.YamuxSession;
import java.time.Duration;

/**
 * What carries a connection's streams: Yamux over a secured TCP connection (or inside a relay's
 * stream), or QUIC's own bidirectional streams. Each stream is a child channel of the connection's
 * channel, with multistream-select on it either way.
 */
public interface Muxer {

  /** Opens a stream whose pipeline {@code initializer} sets up; completes once the channel exists. */
  Future<? extends Channel> openStream(ChannelHandler initializer);

  /** Streams open on the connection now, both ways. */
  int streamCount();

  /** The path's round-trip time as last measured, or null before the first measurement. */
  Duration rtt();

  /** Tells the peer this side is going away (Yamux GO_AWAY, a QUIC CONNECTION_CLOSE). */
  void goAway();

  /** Yamux on {@code session}. */
  static Muxer yamux(YamuxSession session) {
    return new YamuxMuxer(session);
  }

  /** Yamux's streams as a {@link Muxer}. */
  record YamuxMuxer(YamuxSession session) implements Muxer {
    @Override
    public Future<? extends Channel> openStream(ChannelHandler initializer) {
      return session.openStream(initializer);
    }

    @Override
    public int streamCount() {
      return session.streamCount();
    }

    @Override
    public Duration rtt() {
      return session.rtt();
    }

    @Override
    public void goAway() {
      session.goAway(YamuxFrame.GO_AWAY_NORMAL);
    }
  }
}
