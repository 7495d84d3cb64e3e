package io.warren.node.internal;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.NioEventLoops;
import java.util.Locale;
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
 * registry: epoll where Netty's native library loads (Linux x86_64), NIO otherwise, unless the
 * configuration names one.
 */
@Component(service = EventLoops.class, configurationPid = "io.warren.eventloops")
@Designate(ocd = NodeEventLoops.Config.class)
public final class NodeEventLoops implements EventLoops {
  private static final Logger LOG = LoggerFactory.getLogger(NodeEventLoops.class);

  @ObjectClassDefinition(name = "Warren event loops", description = "The Netty I/O threads every component shares")
  public @interface Config {
    @AttributeDefinition(name = "I/O threads", description = "Event loop threads; 0 means one per available core")
    int io_threads() default 0;

    @AttributeDefinition(name = "I/O transport",
        description = "auto: epoll where Netty's native library loads, NIO otherwise; epoll: refuse to start without"
            + " it; nio: always NIO")
    String io_transport() default "auto";
  }

  /** NIO or epoll loops; both are AutoCloseable, and {@link #stop} closes them. */
  private final EventLoops loops;

  @Activate
  public NodeEventLoops(Config config) {
    int threads = threads(config);
    String transport = config.io_transport().trim().toLowerCase(Locale.ROOT);
    Throwable noEpoll = switch (transport) {
      case "auto", "epoll" -> EpollEventLoops.unavailability();
      case "nio" -> null;
      default -> throw new IllegalArgumentException(
          "io.transport must be auto, epoll or nio, got '" + config.io_transport() + "'");
    };
    if (transport.equals("epoll") && noEpoll != null) {
      throw new IllegalStateException("io.transport = epoll, but epoll is not available here: " + noEpoll, noEpoll);
    }
    if (transport.equals("nio") || noEpoll != null) {
      loops = new NioEventLoops(threads, "warren-io");
      if (noEpoll != null) {
        LOG.info("event loops: NIO, epoll is not available here ({})", noEpoll.toString());
      }
    } else {
      loops = new EpollEventLoops(threads, "warren-io");
    }
    LOG.debug("event loops: {} {} threads", threads, loops.ioTransport());
  }

  private static int threads(Config config) {
    if (config.io_threads() < 0) {
      throw new IllegalArgumentException("io.threads must be 0 (one per core) or positive, got " + config.io_threads());
    }
    return config.io_threads() == 0 ? Runtime.getRuntime().availableProcessors() : config.io_threads();
  }

  @Override
  public EventLoopGroup group() {
    return loops.group();
  }

  @Override
  public Class<? extends ServerSocketChannel> serverSocketChannel() {
    return loops.serverSocketChannel();
  }

  @Override
  public Class<? extends SocketChannel> socketChannel() {
    return loops.socketChannel();
  }

  @Override
  public Class<? extends DatagramChannel> datagramChannel() {
    return loops.datagramChannel();
  }

  @Override
  public String ioTransport() {
    return loops.ioTransport();
  }

  @Override
  public <B extends AbstractBootstrap<B, ? extends Channel>> B reusePort(B bootstrap) {
    return loops.reusePort(bootstrap);
  }

  @Deactivate
  void stop() throws Exception {
    ((AutoCloseable) loops).close();
  }
}
