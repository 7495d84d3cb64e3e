package io.warren.api.channel;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import java.net.StandardSocketOptions;

/**
 * The node's Netty event loops, one set shared by every component (registered once, by the node
 * bundle): epoll where the native library loads, NIO otherwise. Components take loops from here
 * and never create a group of their own; none may shut the group down.
 *
 * <p>Use the channel classes given here with {@link #group()}: an epoll group only drives epoll
 * channels.
 */
public interface EventLoops {

  /**
   * Receive buffers for sockets that carry bulk data (spliced connections, a transport's
   * connections): a read takes up to 256 KiB when that much is waiting, instead of Netty's 64 KiB,
   * so a fast stream costs a quarter of the read and send system calls; the guess shrinks again
   * for a socket that reads little.
   */
  RecvByteBufAllocator BULK_READS = new AdaptiveRecvByteBufAllocator(64, 16 * 1024, 256 * 1024);

  /** The I/O event loops: accept, read, write, timers. Never block on them. */
  EventLoopGroup group();

  /** The TCP server channel class matching {@link #group()}. */
  Class<? extends ServerSocketChannel> serverSocketChannel();

  /** The TCP client channel class matching {@link #group()}. */
  Class<? extends SocketChannel> socketChannel();

  /** The UDP channel class matching {@link #group()}. */
  Class<? extends DatagramChannel> datagramChannel();

  /**
   * A TCP server on these loops whose connections are to be spliced ({@link Splice}): auto-read off
   * (the splice reads when the other side can take more), half-closure allowed, Nagle off,
   * {@link #BULK_READS}, on {@link #serverBootstrap()}. Add the child handler (with
   * {@link Splice#hold()} first) and bind.
   */
  default ServerBootstrap spliceServer() {
    return serverBootstrap()
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, BULK_READS);
  }

  /** {@code epoll} or {@code nio}, for logs and {@code node:info}. */
  String ioTransport();

  /**
   * A server bootstrap on these loops with SO_REUSEADDR set, so a listener rebinds its port at once
   * after a restart (a proxy rule, an updated bundle) while connections it accepted before are open
   * or in TIME_WAIT. The JDK sets the option on every NIO server socket; Netty's epoll does not,
   * so every listener starts here rather than from {@code new ServerBootstrap()}.
   */
  default ServerBootstrap serverBootstrap() {
    return new ServerBootstrap().group(group()).channel(serverSocketChannel())
        .option(ChannelOption.SO_REUSEADDR, true);
  }

  /**
   * Sets SO_REUSEPORT on the sockets {@code bootstrap} makes, for a listener that dials out from
   * its own port (hole punching). Each transport names the option differently; epoll's client
   * sockets take it only as a raw socket option.
   */
  default <B extends AbstractBootstrap<B, ? extends Channel>> B reusePort(B bootstrap) {
    return bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
  }
}
