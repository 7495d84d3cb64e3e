package io.warren.proxy.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.warren.api.MetricsSource;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerRef;
import io.warren.api.Store;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.Transport;
import io.warren.api.TransportException;
import io.warren.federation.Member;
import io.warren.federation.NodeDirectory;
import io.warren.proxy.ProxyRules;
import io.warren.proxy.Rule;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy rules of this node, active: a listener per egress rule whose connections each open a
 * {@value #PROTOCOL} stream to the rule's peer, and the handler for that protocol, which accepts a
 * stream only when an ingress rule names its (authenticated) origin and connects it to the rule's
 * local target. Rules live in the store and come back at start; a stream is opened per connection,
 * so a peer that restarted or moved is reached again by the next connection without any action.
 *
 * <p>Wire format, after the protocol is negotiated: the egress side sends {@code [1][u16 target
 * port][u16 own listen port]}; the ingress side answers {@code [status][u16 length][reason]} (0:
 * connected, 1: no rule allows it, 2: the target refused) and from then on the stream carries the
 * connection's bytes both ways, with half-close.
 */
@Component(service = {ProxyRules.class, MetricsSource.class}, immediate = true, configurationPid = "io.warren.proxy",
    property = MetricsSource.NAME + "=proxy")
@Designate(ocd = ProxyService.Config.class)
public final class ProxyService implements ProxyRules, MetricsSource {

  @ObjectClassDefinition(name = "Warren proxy", description = "Proxy rules: ports forwarded between nodes")
  public @interface Config {
    @AttributeDefinition(description = "Seconds allowed to connect to an ingress rule's local target")
    int connect_timeout_seconds() default 5;

    @AttributeDefinition(description = "Seconds between attempts to bind an egress listener whose port was busy")
    int rebind_seconds() default 10;

    @AttributeDefinition(description = "Connections through all rules at once; one more is closed at once")
    int max_connections() default 4096;
  }

  public static final String PROTOCOL = "/warren/proxy/1.0.0";
  private static final Logger LOG = LoggerFactory.getLogger(ProxyService.class);
  private static final int REPLY_MAX = 1024;

  /** A rule and what belongs to it while active. */
  private static final class Active {
    final Rule rule;
    final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    volatile Channel listener;
    volatile String state = "starting";
    final AtomicLong total = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();

    Active(Rule rule) {
      this.rule = rule;
    }
  }

  private final ProxyStore db;
  private final NodeIdentity identity;
  private final Map<String, Active> rules = new ConcurrentHashMap<>();
  private final List<Transport> transports = new CopyOnWriteArrayList<>();
  private final EventLoopGroup group;
  private final int connectTimeoutMillis;
  private final int maxConnections;
  private final AtomicLong open = new AtomicLong();
  private final ServiceRegistration<StreamHandler> handler;
  private volatile NodeDirectory directory;

  @Activate
  public ProxyService(BundleContext context, @Reference Store store, @Reference NodeIdentity identity, Config config) {
    if (config.connect_timeout_seconds() < 1 || config.rebind_seconds() < 1 || config.max_connections() < 1) {
      throw new IllegalArgumentException("io.warren.proxy: every setting must be at least 1");
    }
    this.db = new ProxyStore(store);
    this.identity = identity;
    this.connectTimeoutMillis = config.connect_timeout_seconds() * 1000;
    this.maxConnections = config.max_connections();
    this.group = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("warren-proxy", true),
        NioIoHandler.newFactory());
    java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
    props.put(StreamHandler.PROTOCOL, PROTOCOL);
    this.handler = context.registerService(StreamHandler.class, this::accept, props);
    for (Rule r : db.all()) {
      if (r.expires() != null && r.expires().isBefore(Instant.now())) {
        db.delete(r.id());
        LOG.info("proxy: rule {} expired while the node was down; removed", r.id());
        continue;
      }
      Active a = new Active(r);
      rules.put(r.id(), a);
      if (r.direction() == Rule.Direction.EGRESS) {
        bindLater(a, 0);
      } else {
        a.state = "accepting from " + r.peerName();
      }
    }
    if (!rules.isEmpty()) {
      LOG.info("proxy: {} rule(s) restored", rules.size());
    }
    group.scheduleAtFixedRate(this::expire, 1, 1, TimeUnit.SECONDS);
    group.scheduleAtFixedRate(() -> rules.values().stream()
        .filter(a -> a.rule.direction() == Rule.Direction.EGRESS && a.listener == null)
        .forEach(a -> bindLater(a, 0)), config.rebind_seconds(), config.rebind_seconds(), TimeUnit.SECONDS);
  }

  @Deactivate
  void deactivate() {
    handler.unregister();
    for (Active a : rules.values()) {
      if (a.listener != null) {
        a.listener.close();
      }
      a.connections.close();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addTransport(Transport t) {
    transports.add(t);
  }

  void removeTransport(Transport t) {
    transports.remove(t);
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setDirectory(NodeDirectory d) {
    directory = d;
  }

  void unsetDirectory(NodeDirectory d) {
    if (directory == d) {
      directory = null;
    }
  }

  // ---- ProxyRules ----

  @Override
  public Rule add(Rule.Direction direction, String bind, int port, String peer, int peerPort, Instant expires) {
    if (direction == null) {
      throw new IllegalArgumentException("--direction is required: egress or ingress");
    }
    checkPort("--port", port, false);
    checkPort(direction == Rule.Direction.EGRESS ? "the target's port" : "the origin's port", peerPort,
        direction == Rule.Direction.INGRESS);
    if (expires != null && !expires.isAfter(Instant.now())) {
      throw new IllegalArgumentException("--expires must be in the future");
    }
    String host = bind == null || bind.isBlank() ? "127.0.0.1" : bind.strip();
    try {
      InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host '" + host + "'");
    }
    String[] resolved = resolvePeer(peer);
    for (Active a : rules.values()) {
      Rule r = a.rule;
      if (direction == Rule.Direction.EGRESS && r.direction() == Rule.Direction.EGRESS && r.port() == port
          && r.bind().equals(host)) {
        throw new IllegalArgumentException("rule " + r.id() + " already listens on " + host + ":" + port);
      }
      if (direction == Rule.Direction.INGRESS && r.direction() == Rule.Direction.INGRESS && r.port() == port
          && r.peer().equals(resolved[0]) && r.peerPort() == peerPort) {
        throw new IllegalArgumentException("rule " + r.id() + " already accepts " + resolved[1] + " on port " + port);
      }
    }
    Rule candidate = new Rule("", direction, host, port, resolved[0], resolved[1], peerPort, expires, Instant.now());
    Channel listener = null;
    java.util.concurrent.atomic.AtomicReference<Active> holder = new java.util.concurrent.atomic.AtomicReference<>();
    if (direction == Rule.Direction.EGRESS) {
      listener = bindNow(candidate, holder); // throws when the port is taken, before anything is stored
    }
    Rule stored;
    try {
      stored = db.insert(candidate);
    } catch (RuntimeException e) {
      if (listener != null) {
        listener.close();
      }
      throw e;
    }
    Active a = new Active(stored);
    holder.set(a);
    rules.put(stored.id(), a);
    if (listener != null) {
      attach(a, listener);
    } else {
      a.state = "accepting from " + stored.peerName();
    }
    LOG.info("proxy: rule {} active: {}", stored.id(), describe(stored));
    return stored;
  }

  @Override
  public List<Rule> list() {
    return rules.values().stream().map(a -> a.rule).sorted((x, y) -> Long.compare(Long.parseLong(x.id()),
        Long.parseLong(y.id()))).toList();
  }

  @Override
  public String status(String id) {
    Active a = rules.get(id);
    if (a == null) {
      return "no such rule";
    }
    return a.state + "; " + a.connections.size() + " open, " + a.total.get() + " total, " + a.failures.get() + " failed";
  }

  @Override
  public boolean remove(String id) {
    Active a = rules.remove(id);
    boolean stored = db.delete(id);
    if (a == null) {
      return stored;
    }
    if (a.listener != null) {
      a.listener.close();
    }
    a.connections.close();
    LOG.info("proxy: rule {} removed", id);
    return true;
  }

  @Override
  public Map<String, Number> metrics() {
    Map<String, Number> m = new LinkedHashMap<>();
    long total = 0;
    long failed = 0;
    long in = 0;
    long out = 0;
    for (Active a : rules.values()) {
      total += a.total.get();
      failed += a.failures.get();
      in += a.bytesIn.get();
      out += a.bytesOut.get();
    }
    m.put("rules", rules.size());
    m.put("connections.open", open.get());
    m.put("connections.total", total);
    m.put("connections.failed", failed);
    m.put("bytes.in", in);
    m.put("bytes.out", out);
    return m;
  }

  static String describe(Rule r) {
    return r.direction() == Rule.Direction.EGRESS
        ? r.bind() + ":" + r.port() + " -> " + r.peerName() + ":" + r.peerPort()
        : r.peerName() + (r.peerPort() == 0 ? "" : ":" + r.peerPort()) + " -> " + r.bind() + ":" + r.port();
  }

  private static void checkPort(String what, int port, boolean zeroAllowed) {
    if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
      throw new IllegalArgumentException(what + " must be 1-65535, got " + port);
    }
  }

  /** {@code [transport:id, display name]} of a peer reference. */
  private String[] resolvePeer(String peer) {
    if (peer == null || peer.isBlank()) {
      throw new IllegalArgumentException("no node given (a peer ID or a node name)");
    }
    int colon = peer.indexOf(':');
    if (colon > 0 && !peer.startsWith("12D3KooW")) {
      String transport = peer.substring(0, colon);
      String id = peer.substring(colon + 1);
      if (id.isBlank()) {
        throw new IllegalArgumentException("no peer id after '" + transport + ":'");
      }
      return new String[] {transport + ":" + id, id};
    }
    NodeDirectory d = directory;
    if (d != null) {
      try {
        Member m = d.resolve(peer);
        if (m.self()) {
          throw new IllegalArgumentException(peer + " is this node");
        }
        return new String[] {"libp2p:" + m.peerId(), m.name()};
      } catch (IllegalArgumentException e) {
        if (!peer.startsWith("12D3KooW")) {
          throw e;
        }
      }
    }
    if (peer.startsWith("12D3KooW")) {
      if (peer.equals(identity.peerId())) {
        throw new IllegalArgumentException(peer + " is this node");
      }
      return new String[] {"libp2p:" + peer, peer};
    }
    throw new IllegalArgumentException("no node '" + peer + "' (this node is in no network; give a peer ID)");
  }

  private void expire() {
    Instant now = Instant.now();
    for (Active a : rules.values()) {
      if (a.rule.expires() != null && a.rule.expires().isBefore(now)) {
        LOG.info("proxy: rule {} expired", a.rule.id());
        remove(a.rule.id());
      }
    }
  }

  // ---- egress ----

  private Channel bindNow(Rule r, java.util.concurrent.atomic.AtomicReference<Active> holder) {
    ChannelFuture f = serverBootstrap(holder).bind(r.bind(), r.port()).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalArgumentException("cannot listen on " + r.bind() + ":" + r.port() + ": " + reason(f.cause()));
    }
    return f.channel();
  }

  private void bindLater(Active a, int attempt) {
    if (!rules.containsKey(a.rule.id()) || a.listener != null) {
      return;
    }
    serverBootstrap(new java.util.concurrent.atomic.AtomicReference<>(a)).bind(a.rule.bind(), a.rule.port()).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        if (rules.get(a.rule.id()) == a) {
          attach(a, f.channel());
          LOG.info("proxy: rule {} active: {}", a.rule.id(), describe(a.rule));
        } else {
          f.channel().close();
        }
      } else {
        String why = "cannot listen on " + a.rule.bind() + ":" + a.rule.port() + ": " + reason(f.cause());
        if (!why.equals(a.state)) {
          LOG.warn("proxy: rule {}: {} (retrying)", a.rule.id(), why);
        }
        a.state = why;
      }
    });
  }

  private void attach(Active a, Channel listener) {
    a.listener = listener;
    a.state = "listening on " + a.rule.bind() + ":" + ((InetSocketAddress) listener.localAddress()).getPort();
    listener.closeFuture().addListener(f -> {
      if (a.listener == listener) {
        a.listener = null;
      }
    });
  }

  private ServerBootstrap serverBootstrap(java.util.concurrent.atomic.AtomicReference<Active> holder) {
    return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            Active a = holder.get();
            if (a == null || rules.get(a.rule.id()) != a) {
              ch.close();
              return;
            }
            egress(a, ch);
          }
        });
  }

  private void egress(Active a, SocketChannel client) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      a.failures.incrementAndGet();
      LOG.warn("proxy: rule {}: {} connections open, the limit; a new one is closed", a.rule.id(), maxConnections);
      client.close();
      return;
    }
    client.closeFuture().addListener(f -> open.decrementAndGet());
    a.connections.add(client);
    a.total.incrementAndGet();
    Transport t;
    PeerRef ref;
    try {
      int colon = a.rule.peer().indexOf(':');
      ref = new PeerRef(a.rule.peer().substring(0, colon), a.rule.peer().substring(colon + 1));
      t = transport(ref.transport());
    } catch (RuntimeException e) {
      fail(a, client, e.getMessage());
      return;
    }
    t.open(ref, PROTOCOL).whenComplete((stream, err) -> {
      if (err != null) {
        fail(a, client, "cannot reach " + a.rule.peerName() + ": " + reason(err));
        return;
      }
      if (!client.isActive() || !rules.containsKey(a.rule.id())) {
        stream.channel().close();
        client.close();
        return;
      }
      a.connections.add(stream.channel());
      // both sides of the splice on one event loop: no hand-over between threads per buffer
      moveTo(client, stream.channel().eventLoop()).addListener(moved -> {
        if (!moved.isSuccess() || !client.isActive()) {
          stream.channel().close();
          client.close();
          return;
        }
        ByteBuf header = Unpooled.buffer(5).writeByte(1).writeShort(a.rule.peerPort()).writeShort(a.rule.port());
        stream.channel().pipeline().addLast("proxy-reply", new ReplyReader(a, client, stream));
        stream.channel().writeAndFlush(header);
        stream.channel().read();
      });
    });
  }

  private void fail(Active a, Channel client, String why) {
    a.failures.incrementAndGet();
    LOG.info("proxy: rule {}: connection from {} closed: {}", a.rule.id(), client.remoteAddress(), why);
    client.close();
  }

  private Transport transport(String name) {
    for (Transport t : transports) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new TransportException("no " + name + " transport is running on this node");
  }

  /** Reads the ingress side's answer, then splices the client and the stream. */
  private final class ReplyReader extends ChannelInboundHandlerAdapter {
    private final Active a;
    private final Channel client;
    private final Stream stream;
    private ByteBuf buffer;

    ReplyReader(Active a, Channel client, Stream stream) {
      this.a = a;
      this.client = client;
      this.stream = stream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      if (buffer == null) {
        buffer = ctx.alloc().buffer();
      }
      buffer.writeBytes(in);
      in.release();
      if (buffer.readableBytes() < 3 || buffer.readableBytes() < 3 + buffer.getUnsignedShort(buffer.readerIndex() + 1)) {
        if (buffer.readableBytes() > 3 + REPLY_MAX) {
          finish(ctx, "an answer longer than " + REPLY_MAX + " bytes");
        } else {
          ctx.read();
        }
        return;
      }
      int status = buffer.readUnsignedByte();
      int length = buffer.readUnsignedShort();
      String reason = buffer.readCharSequence(length, StandardCharsets.UTF_8).toString();
      if (status != 0) {
        finish(ctx, a.rule.peerName() + " refused: " + reason);
        return;
      }
      ByteBuf rest = buffer;
      buffer = null;
      ctx.pipeline().remove(this);
      if (!client.isActive()) {
        rest.release();
        stream.channel().close();
        return;
      }
      if (rest.isReadable()) {
        a.bytesIn.addAndGet(rest.readableBytes());
        client.writeAndFlush(rest);
      } else {
        rest.release();
      }
      Splice.join(client, () -> ((SocketChannel) client).shutdownOutput(), stream.channel(), stream::closeWrite,
          a.bytesOut, a.bytesIn);
    }

    private void finish(ChannelHandlerContext ctx, String why) {
      if (buffer != null) {
        buffer.release();
        buffer = null;
      }
      ctx.close();
      fail(a, client, why);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (buffer != null) {
        buffer.release();
        buffer = null;
      }
      if (client.isActive()) {
        fail(a, client, a.rule.peerName() + " closed the stream before answering");
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(ctx, reason(cause));
    }
  }

  // ---- ingress ----

  private void accept(Stream stream) {
    stream.channel().pipeline().addLast("proxy-header", new HeaderReader(stream));
    stream.channel().read();
  }

  /** Reads the egress side's header, checks an ingress rule allows it, connects to the target. */
  private final class HeaderReader extends ChannelInboundHandlerAdapter {
    private final Stream stream;
    private ByteBuf buffer;

    HeaderReader(Stream stream) {
      this.stream = stream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      if (buffer == null) {
        buffer = ctx.alloc().buffer(8);
      }
      buffer.writeBytes(in);
      in.release();
      if (buffer.readableBytes() < 5) {
        ctx.read();
        return;
      }
      int version = buffer.readUnsignedByte();
      int port = buffer.readUnsignedShort();
      int originPort = buffer.readUnsignedShort();
      ByteBuf rest = buffer;
      buffer = null;
      ctx.pipeline().remove(this);
      if (version != 1) {
        rest.release();
        refuse(1, "proxy protocol version " + version + " is not spoken here");
        return;
      }
      String origin = stream.peer().transport() + ":" + stream.peer().id();
      Active match = null;
      for (Active a : rules.values()) {
        Rule r = a.rule;
        if (r.direction() == Rule.Direction.INGRESS && r.port() == port && r.peer().equals(origin)
            && (r.peerPort() == 0 || r.peerPort() == originPort)) {
          match = a;
          break;
        }
      }
      if (match == null) {
        rest.release();
        LOG.warn("proxy: refused a stream from {} for port {}: no ingress rule allows it", origin, port);
        refuse(1, "no ingress rule on " + identity.name() + " accepts port " + port + " from " + stream.peer().id());
        return;
      }
      connect(match, rest);
    }

    private void refuse(int status, String reason) {
      reply(stream.channel(), status, reason).addListener(ChannelFutureListener.CLOSE);
    }

    private void connect(Active a, ByteBuf early) {
      if (open.incrementAndGet() > maxConnections) {
        open.decrementAndGet();
        early.release();
        a.failures.incrementAndGet();
        refuse(2, identity.name() + " has " + maxConnections + " proxied connections open, its limit");
        return;
      }
      a.total.incrementAndGet();
      Channel s = stream.channel();
      a.connections.add(s);
      s.closeFuture().addListener(f -> open.decrementAndGet());
      new Bootstrap().group(nioLoop(s.eventLoop())).channel(NioSocketChannel.class)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
          .handler(new ChannelInboundHandlerAdapter())
          .connect(a.rule.bind(), a.rule.port()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
              early.release();
              a.failures.incrementAndGet();
              String why = "connection to " + a.rule.bind() + ":" + a.rule.port() + " failed on " + identity.name()
                  + ": " + reason(f.cause());
              LOG.info("proxy: rule {}: {}", a.rule.id(), why);
              refuse(2, why);
              return;
            }
            Channel target = f.channel();
            if (!s.isActive() || !rules.containsKey(a.rule.id())) {
              early.release();
              target.close();
              s.close();
              return;
            }
            a.connections.add(target);
            if (early.isReadable()) {
              a.bytesIn.addAndGet(early.readableBytes());
              target.writeAndFlush(early);
            } else {
              early.release();
            }
            reply(s, 0, "").addListener((ChannelFutureListener) r -> {
              if (r.isSuccess()) {
                Splice.join(s, stream::closeWrite, target, () -> ((SocketChannel) target).shutdownOutput(),
                    a.bytesIn, a.bytesOut);
              } else {
                target.close();
              }
            });
          });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (buffer != null) {
        buffer.release();
        buffer = null;
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** {@code loop} when NIO channels can live on it (the stream's loop), else one of the proxy's own. */
  private io.netty.channel.EventLoopGroup nioLoop(io.netty.channel.EventLoop loop) {
    return loop instanceof io.netty.channel.IoEventLoop l && l.isIoType(NioIoHandler.class) ? loop : group;
  }

  /** Re-registers {@code c} (auto-read off, nothing pending) on {@code loop} if it can live there. */
  private io.netty.util.concurrent.Future<?> moveTo(Channel c, io.netty.channel.EventLoop loop) {
    if (c.eventLoop() == loop || nioLoop(loop) != loop) {
      return io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);
    }
    io.netty.util.concurrent.Promise<Void> moved = io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE.newPromise();
    c.deregister().addListener((ChannelFutureListener) d -> {
      if (!d.isSuccess()) {
        moved.tryFailure(d.cause());
        return;
      }
      loop.register(c).addListener((ChannelFutureListener) r -> {
        if (r.isSuccess()) {
          moved.trySuccess(null);
        } else {
          moved.tryFailure(r.cause());
        }
      });
    });
    return moved;
  }

  private static ChannelFuture reply(Channel c, int status, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    if (text.length > REPLY_MAX) {
      text = java.util.Arrays.copyOf(text, REPLY_MAX);
    }
    return c.writeAndFlush(Unpooled.buffer(3 + text.length).writeByte(status).writeShort(text.length).writeBytes(text));
  }

  static String reason(Throwable t) {
    Throwable c = t;
    while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return m == null || m.isBlank() ? c.getClass().getSimpleName() : m;
  }
}
