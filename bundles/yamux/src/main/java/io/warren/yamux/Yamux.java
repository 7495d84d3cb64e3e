package io.warren.yamux;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;

/**
 * Runs a Yamux session over any Netty pipeline that carries bytes: the handler before
 * {@code baseName} must deliver inbound {@code ByteBuf}s and accept outbound ones. This is the same
 * implementation libp2p connections use (flow control with window auto-tuning, GO_AWAY on protocol
 * errors), exported so other transports need no second multiplexer.
 */
public final class Yamux {

  /** One Yamux session; streams are {@link Channel}s on the carrying channel's event loop. */
  public interface Session {
    /** Opens a stream whose pipeline starts with {@code initializer}; fails if the session is closed or going away. */
    Future<? extends Channel> openStream(ChannelHandler initializer);

    /** Streams open now. */
    int streamCount();

    /** Tells the peer no new streams will be accepted. */
    ChannelFuture goAway();
  }

  private Yamux() {}

  /**
   * Adds a Yamux session after {@code baseName}.
   *
   * @param client true on the side that dialled the carrying connection (odd stream ids)
   * @param inboundInitializer {@code @Sharable} handler added to each stream the peer opens
   * @param maxInboundStreams streams the peer may have open at once; more are reset
   */
  public static Session install(ChannelPipeline pipeline, String baseName, boolean client,
      ChannelHandler inboundInitializer, int maxInboundStreams) {
    YamuxSession s = new YamuxSession(client, YamuxConfig.DEFAULT.withMaxInboundStreams(maxInboundStreams),
        inboundInitializer);
    YamuxSession.addAfter(pipeline, baseName, s);
    return new Session() {
      @Override
      public Future<? extends Channel> openStream(ChannelHandler initializer) {
        return s.openStream(initializer);
      }

      @Override
      public int streamCount() {
        return s.streamCount();
      }

      @Override
      public ChannelFuture goAway() {
        return s.goAway(0);
      }
    };
  }

  /** Whether {@code ch} is a Yamux stream. */
  public static boolean isStream(Channel ch) {
    return ch instanceof YamuxStreamChannel;
  }

  /**
   * Half-closes {@code ch}'s output: {@link DuplexChannel#shutdownOutput()} (FIN on a Yamux stream,
   * which is a {@link DuplexChannel}, on a TCP socket too), close on anything else.
   */
  public static ChannelFuture shutdownOutput(Channel ch) {
    if (ch instanceof DuplexChannel d) {
      return d.shutdownOutput();
    }
    return ch.close();
  }

  /** Aborts a stream (RST on a Yamux stream, close otherwise). */
  public static ChannelFuture reset(Channel ch) {
    return ch instanceof YamuxStreamChannel y ? y.reset() : ch.close();
  }
}
