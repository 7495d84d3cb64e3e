package io.warren.node.internal;

import io.warren.api.channel.EventLoops;
import io.warren.api.channel.NioEventLoops;
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
public final class NodeEventLoops extends NioEventLoops {
  private static final Logger LOG = LoggerFactory.getLogger(NodeEventLoops.class);

  @ObjectClassDefinition(name = "Warren event loops", description = "The Netty I/O threads every component shares")
  public @interface Config {
    @AttributeDefinition(name = "I/O threads", description = "Event loop threads; 0 means one per available core")
    int io_threads() default 0;
  }

  @Activate
  public NodeEventLoops(Config config) {
    super(threads(config), "warren-io");
    LOG.debug("event loops: {} nio threads", threads(config));
  }

  private static int threads(Config config) {
    if (config.io_threads() < 0) {
      throw new IllegalArgumentException("io.threads must be 0 (one per core) or positive, got " + config.io_threads());
    }
    return config.io_threads() == 0 ? Runtime.getRuntime().availableProcessors() : config.io_threads();
  }

  @Deactivate
  void stop() {
    close();
  }
}
