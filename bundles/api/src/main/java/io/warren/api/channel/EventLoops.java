package io.warren.api.channel;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;

/**
 * The node's Netty event loops, one set shared by every component (registered once, by the node
 * bundle): epoll where the native library loads, NIO otherwise. Components take loops from here
 * and never create a group of their own; none may shut the group down.
 *
 * <p>Use the channel classes given here with {@link #group()}: an epoll group only drives epoll
 * channels.
 */
public interface EventLoops {

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
   * (the splice reads when the other side can take more), half-closure allowed, Nagle off. Add the
   * child handler and bind.
   */
  default ServerBootstrap spliceServer() {
    return new ServerBootstrap().group(group()).channel(serverSocketChannel())
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true);
  }

  /** {@code epoll} or {@code nio}, for logs and {@code node:info}. */
  String ioTransport();
}
