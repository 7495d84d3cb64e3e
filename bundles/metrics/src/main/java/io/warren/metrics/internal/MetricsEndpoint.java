package io.warren.metrics.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.warren.api.MetricsSource;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.OpenConnections;
import io.warren.metrics.MetricsEndpointState;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code /metrics} for Prometheus: every registered {@link MetricsSource} (the whiteboard
 * through which transports and services report) and the JVM's figures, over Netty's HTTP codec on
 * the node's {@link EventLoops}. Off unless configured ({@code enabled = true}) or started with
 * {@code --metrics-port N} (framework property {@value MetricsSettings#PORT_PROPERTY}); loopback
 * unless configured, and then only with a bearer token.
 */
@Component(service = MetricsEndpointState.class, immediate = true, configurationPid = MetricsSettings.PID)
@Designate(ocd = MetricsSettings.Config.class)
public final class MetricsEndpoint implements MetricsEndpointState {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
  /** Scrapes waiting for the one that runs; one more is answered 503. */
  private static final int QUEUED_SCRAPES = 8;
  private static final int IDLE_SECONDS = 60;
  /** Connections at once; one more is closed at accept (Prometheus keeps one per target). */
  static final int MAX_CONNECTIONS = 32;
  private static final int MAX_REQUEST_BODY = 1024;

  private final Map<MetricsSource, String> sources = new ConcurrentHashMap<>();
  private final OpenConnections connections = new OpenConnections(MAX_CONNECTIONS);
  private final MetricsSettings settings;
  private final ThreadPoolExecutor scrapes;
  private final Channel server;

  @Activate
  public MetricsEndpoint(MetricsSettings.Config config, BundleContext context, @Reference EventLoops loops)
      throws InterruptedException {
    this(MetricsSettings.of(config, context.getProperty(MetricsSettings.PORT_PROPERTY)), loops);
  }

  MetricsEndpoint(MetricsSettings settings, EventLoops loops) throws InterruptedException {
    this.settings = settings;
    if (!settings.enabled()) {
      scrapes = null;
      server = null;
      LOG.debug("metrics: endpoint off (enabled = false and no --metrics-port)");
      return;
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(new SourceCollector(this::byName));
    if (settings.jvm()) {
      JvmMetrics.builder().register(registry);
    }
    ExpositionFormats formats = ExpositionFormats.init();
    scrapes = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED_SCRAPES),
        r -> new Thread(r, "warren-metrics-scrape"));
    ServerBootstrap b = loops.serverBootstrap()
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!connections.admit(ch)) {
              return;
            }
            ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS) {
                  @Override
                  protected void channelIdle(io.netty.channel.ChannelHandlerContext ctx, IdleStateEvent e) {
                    ctx.close();
                  }
                })
                .addLast("http", new HttpServerCodec())
                .addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST_BODY))
                .addLast("scrape", new ScrapeHandler(registry, formats, settings.token(), scrapes));
          }
        });
    try {
      server = b.bind(new InetSocketAddress(settings.host(), settings.port())).sync().channel();
    } catch (RuntimeException e) {
      scrapes.shutdownNow();
      throw new IllegalStateException("metrics: cannot listen on " + settings.host() + ":" + settings.port()
          + ": " + e.getMessage(), e);
    }
    LOG.info("metrics: serving http://{}{}{}", address(), ScrapeHandler.PATH,
        settings.token().isPresent() ? " (bearer token required)" : "");
  }

  /** Where the endpoint listens, host:port, or empty when it is off. */
  public String address() {
    if (server == null) {
      return "";
    }
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    String host = a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  @Override
  public Optional<String> url() {
    return server == null ? Optional.empty() : Optional.of("http://" + address() + ScrapeHandler.PATH);
  }

  @Override
  public boolean tokenRequired() {
    return settings.token().isPresent();
  }

  @Override
  public List<String> sources() {
    return List.copyOf(byName().keySet());
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSource(MetricsSource source, Map<String, Object> props) {
    Object name = props.get(MetricsSource.NAME);
    sources.put(source, name instanceof String n && !n.isBlank() ? n : source.getClass().getName());
  }

  void removeSource(MetricsSource source) {
    sources.remove(source);
  }

  private Map<String, MetricsSource> byName() {
    Map<String, MetricsSource> out = new TreeMap<>();
    sources.forEach((s, n) -> out.merge(n, s, (a, b) -> a));
    return out;
  }

  @Deactivate
  void deactivate() {
    if (server != null) {
      server.close().syncUninterruptibly();
      scrapes.shutdownNow();
    }
  }
}
