package io.warren.api.channel;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * {@link EventLoops} on Java NIO: one group of daemon threads, closed by its owner (the node's
 * component where epoll does not load, or a test). Besides the node's epoll loops (in the node
 * bundle), the one place a Warren event loop group is created.
 */
public class NioEventLoops implements EventLoops, AutoCloseable {
  private final EventLoopGroup group;

  /**
   * @param threads event loop threads (at least 1)
   * @param threadName prefix of the threads' names, e.g. {@code warren-io}
   */
  public NioEventLoops(int threads, String threadName) {
    if (threads < 1) {
      throw new IllegalArgumentException("event loops need at least one thread, got " + threads);
    }
    this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true),
        NioIoHandler.newFactory());
  }

  @Override
  public final EventLoopGroup group() {
    return group;
  }

  @Override
  public final Class<? extends ServerSocketChannel> serverSocketChannel() {
    return NioServerSocketChannel.class;
  }

  @Override
  public final Class<? extends SocketChannel> socketChannel() {
    return NioSocketChannel.class;
  }

  @Override
  public final Class<? extends DatagramChannel> datagramChannel() {
    return NioDatagramChannel.class;
  }

  @Override
  public final String ioTransport() {
    return "nio";
  }

  /** Shuts the threads down, waiting up to two seconds for tasks in flight. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
