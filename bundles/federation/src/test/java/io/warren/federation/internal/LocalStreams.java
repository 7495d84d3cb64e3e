package io.warren.federation.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Pairs of in-memory streams (Netty local channels, auto-read off as a transport hands them over),
 * each end naming the other end's peer ID as a Noise-authenticated connection would.
 */
final class LocalStreams implements AutoCloseable {
  record Pair(Stream dialer, Stream listener) {}

  private final DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
  private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
  private final LocalAddress address = new LocalAddress(LocalStreams.class);
  private final Channel server;

  LocalStreams() throws InterruptedException {
    server = new ServerBootstrap().group(loops).channel(LocalServerChannel.class)
        .childOption(ChannelOption.AUTO_READ, false).childHandler(new ChannelInitializer<LocalChannel>() {
          @Override
          protected void initChannel(LocalChannel ch) {
            accepted.add(ch);
          }
        }).bind(address).sync().channel();
  }

  /** A stream from {@code dialer} to {@code listener} (peer IDs). */
  Pair open(String dialer, String listener) throws Exception {
    // the dialing side reads as bytes arrive: a LocalChannel drops what it has not read yet when its
    // peer closes (a libp2p stream delivers everything before the end), so a handler that answers and
    // closes at once would otherwise race the dialer's next read (seen in CI as "the peer closed the stream")
    Channel c = new Bootstrap().group(loops).channel(LocalChannel.class).option(ChannelOption.AUTO_READ, true)
        .handler(new ChannelInitializer<LocalChannel>() {
          @Override
          protected void initChannel(LocalChannel ch) {}
        }).connect(address).sync().channel();
    Channel s = accepted.poll(10, TimeUnit.SECONDS);
    return new Pair(stream(c, listener), stream(s, dialer));
  }

  static Stream stream(Channel ch, String peer) {
    return new Stream() {
      @Override
      public Channel channel() {
        return ch;
      }

      @Override
      public PeerRef peer() {
        return new PeerRef(PeerRef.LIBP2P, peer);
      }

      @Override
      public String protocol() {
        return MembershipDialogue.PROTOCOL;
      }

      @Override
      public boolean relayed() {
        return false;
      }
    };
  }

  @Override
  public void close() {
    server.close();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
