package io.warren.node.internal;

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
import io.warren.api.channel.EventLoops;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one set of Netty event loops, shared by every component through the service
 * registry. NIO: the epoll native library matching this Netty version is not served by the
 * package registry these nodes are built from, so there is no epoll to prefer yet.
 */
@Component(service = EventLoops.class, configurationPid = "io.warren.eventloops")
@Designate(ocd = NodeEventLoops.Config.class)
public final class NodeEventLoops implements EventLoops {
  private static final Logger LOG = LoggerFactory.getLogger(NodeEventLoops.class);

  @ObjectClassDefinition(name = "Warren event loops", description = "The Netty I/O threads every component shares")
  public @interface Config {
    @AttributeDefinition(name = "I/O threads", description = "Event loop threads; 0 means one per available core")
    int io_threads() default 0;
  }

  private final EventLoopGroup group;

  @Activate
  public NodeEventLoops(Config config) {
    if (config.io_threads() < 0) {
      throw new IllegalArgumentException("io.threads must be 0 (one per core) or positive, got " + config.io_threads());
    }
    int threads = config.io_threads() == 0 ? Runtime.getRuntime().availableProcessors() : config.io_threads();
    this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("warren-io", true),
        NioIoHandler.newFactory());
    LOG.debug("event loops: {} nio threads", threads);
  }

  @Deactivate
  void stop() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Override
  public EventLoopGroup group() {
    return group;
  }

  @Override
  public Class<? extends ServerSocketChannel> serverSocketChannel() {
    return NioServerSocketChannel.class;
  }

  @Override
  public Class<? extends SocketChannel> socketChannel() {
    return NioSocketChannel.class;
  }

  @Override
  public Class<? extends DatagramChannel> datagramChannel() {
    return NioDatagramChannel.class;
  }

  @Override
  public String ioTransport() {
    return "nio";
  }
}
