package io.warren.dashboard.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.warren.api.AdminAuthenticator;
import io.warren.api.CommandRunner;
import io.warren.api.Listener;
import io.warren.api.MetricsSource;
import io.warren.api.NetworkMembers;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerAttributes;
import io.warren.api.RecordAttributes;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.OpenConnections;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The web dashboard: Netty's HTTP codec on the node's {@link EventLoops}, pages from the bundle,
 * logins checked by api's {@link AdminAuthenticator}, the node read and acted on through
 * {@link CommandRunner} and the {@link MetricsSource}s ({@link NodeView}), and live pages fed by
 * server-sent events: while a page is open, one state is built every {@code refresh.seconds} and
 * sent to every open page. Off unless configured ({@code enabled = true}) or started with
 * {@code --dashboard-port N}; loopback unless configured.
 */
@Component(service = Listener.class, immediate = true, configurationPid = DashboardSettings.PID)
@Designate(ocd = DashboardSettings.Config.class)
public final class DashboardServer implements Listener {
  private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
  static final int MAX_CONNECTIONS = 64;
  static final int MAX_LIVE_PAGES = 16;
  private static final int IDLE_SECONDS = 120;
  private static final int QUEUED_WORK = 32;

  private final Map<MetricsSource, Boolean> sources = new ConcurrentHashMap<>();
  private final Overlay overlay = new Overlay();
  private final Semaphore uploads = new Semaphore(RequestLimits.MAX_UPLOADS);
  /** Open live pages: their channel and the session that opened them. */
  private final Map<Channel, String> livePages = new ConcurrentHashMap<>();
  private final OpenConnections connections = new OpenConnections(MAX_CONNECTIONS);
  private final DashboardSettings settings;
  private final AdminAuthenticator authenticator;
  private final Sessions sessions;
  private final NodeView view;
  private final Pages pages;
  private final ThreadPoolExecutor workers;
  private final ScheduledExecutorService ticker;
  private final Channel server;

  @Activate
  public DashboardServer(DashboardSettings.Config config, BundleContext context, @Reference EventLoops loops,
      @Reference AdminAuthenticator authenticator, @Reference CommandRunner runner) throws InterruptedException {
    this(DashboardSettings.of(config, context.getProperty(DashboardSettings.PORT_PROPERTY)), loops, authenticator,
        runner, context);
  }

  DashboardServer(DashboardSettings settings, EventLoops loops, AdminAuthenticator authenticator, CommandRunner runner,
      BundleContext context) throws InterruptedException {
    this.settings = settings;
    this.authenticator = authenticator;
    this.sessions = new Sessions(settings.session(), Clock.systemUTC());
    this.view = new NodeView(runner, context, sources::keySet, overlay);
    if (!settings.enabled()) {
      pages = null;
      workers = null;
      ticker = null;
      server = null;
      LOG.debug("dashboard: off (enabled = false and no --dashboard-port)");
      return;
    }
    pages = new Pages();
    AtomicInteger n = new AtomicInteger();
    workers = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED_WORK),
        r -> new Thread(r, "warren-dashboard-" + n.incrementAndGet()));
    ticker = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "warren-dashboard-live"));
    try {
      server = loops.serverBootstrap()
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (!connections.admit(ch)) {
                return;
              }
              ch.closeFuture().addListener(f -> livePages.remove(ch));
              ch.pipeline()
                  .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS) {
                    @Override
                    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent e) {
                      ctx.close();
                    }
                  })
                  .addLast("http", new HttpServerCodec())
                  .addLast("limits", new RequestLimits(DashboardServer.this))
                  .addLast("aggregate", new HttpObjectAggregator(BundlePush.MAX_BYTES))
                  .addLast("dashboard", new DashboardHandler(DashboardServer.this));
            }
          })
          .bind(new InetSocketAddress(settings.host(), settings.port())).sync().channel();
    } catch (RuntimeException e) {
      workers.shutdownNow();
      ticker.shutdownNow();
      throw new IllegalStateException("dashboard: cannot listen on " + settings.host() + ":" + settings.port() + ": "
          + e.getMessage(), e);
    }
    long every = settings.refresh().toMillis();
    ticker.scheduleWithFixedDelay(this::broadcast, every, every, TimeUnit.MILLISECONDS);
    LOG.info("dashboard: serving http://{}/", hostPort());
  }

  @Override
  public String name() {
    return "dashboard";
  }

  @Override
  public Optional<InetSocketAddress> address() {
    return server == null ? Optional.empty() : Optional.of((InetSocketAddress) server.localAddress());
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addOwnAttributes(RecordAttributes a) {
    overlay.addOwn(a);
  }

  void removeOwnAttributes(RecordAttributes a) {
    overlay.removeOwn(a);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addPeerAttributes(PeerAttributes a) {
    overlay.addRecords(a);
  }

  void removePeerAttributes(PeerAttributes a) {
    overlay.removeRecords(a);
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
  void setMembers(NetworkMembers m) {
    overlay.members(m, true);
  }

  void unsetMembers(NetworkMembers m) {
    overlay.members(m, false);
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
  void setIdentity(NodeIdentity i) {
    overlay.identity(i, true);
  }

  void unsetIdentity(NodeIdentity i) {
    overlay.identity(i, false);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSource(MetricsSource source) {
    sources.put(source, Boolean.TRUE);
  }

  void removeSource(MetricsSource source) {
    sources.remove(source);
  }

  /** Uploads being taken now (see {@link RequestLimits}). */
  Semaphore uploads() {
    return uploads;
  }

  Sessions sessions() {
    return sessions;
  }

  NodeView view() {
    return view;
  }

  Pages pages() {
    return pages;
  }

  AdminAuthenticator authenticator() {
    return authenticator;
  }

  Executor workers() {
    return workers;
  }

  /**
   * Whether a request's Host names this server: bound to loopback, only a loopback name or the
   * bound address (so a rebound DNS name cannot reach it from a web page); otherwise any.
   */
  boolean hostAllowed(String host) {
    if (host == null) {
      return false;
    }
    InetSocketAddress bound = (InetSocketAddress) server.localAddress();
    if (!bound.getAddress().isLoopbackAddress()) {
      return true;
    }
    String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
        : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
    return name.equalsIgnoreCase("localhost") || name.equals("127.0.0.1") || name.equals("[::1]")
        || name.equals(settings.host());
  }

  /** Adds a live page; false when {@value #MAX_LIVE_PAGES} are open already. */
  boolean subscribe(Channel ch, String session) {
    if (livePages.size() >= MAX_LIVE_PAGES) {
      return false;
    }
    livePages.put(ch, session);
    return true;
  }

  /** Sends the state to one page that just opened, without waiting for the next tick. */
  void sendStateSoon(Channel ch) {
    try {
      workers.execute(() -> push(ch, event(view.state())));
    } catch (RejectedExecutionException e) {
      // the next tick sends it
    }
  }

  private void broadcast() {
    try {
      livePages.entrySet().removeIf(e -> {
        if (!sessions.live(e.getValue())) {
          e.getKey().close();
          return true;
        }
        return false;
      });
      if (livePages.isEmpty()) {
        return;
      }
      String event = event(view.state());
      livePages.keySet().forEach(ch -> push(ch, event));
    } catch (RuntimeException e) {
      LOG.warn("dashboard: building the live state failed", e);
    }
  }

  private static String event(String json) {
    return "event: state\ndata: " + json + "\n\n";
  }

  private static void push(Channel ch, String event) {
    // a page that does not keep up is closed rather than buffered for
    if (!ch.isWritable()) {
      ch.close();
      return;
    }
    ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(event, StandardCharsets.UTF_8)));
  }

  private String hostPort() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    InetAddress addr = a.getAddress();
    String host = addr.getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  @Deactivate
  void deactivate() {
    if (server != null) {
      server.close().syncUninterruptibly();
      livePages.keySet().forEach(Channel::close);
      ticker.shutdownNow();
      workers.shutdownNow();
    }
  }
}
