package io.warren.nostr.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.channel.EventLoops;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.HeaderReader;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.nostr.internal.tunnel.WsBinaryCodec;
import io.warren.yamux.Yamux;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's connection to one relay as a device: WebSocket, NIP-42 AUTH with the node's Nostr
 * key, the hello, service announcements, then a Yamux session over binary messages. Keepalive: a
 * WebSocket ping after {@code keepalive} seconds without writing; no input for three times that
 * closes the connection. A lost connection is retried with exponential backoff (1 s doubling up
 * to the configured maximum, with jitter), for as long as the link is open.
 */
final class RelayLink {
  private static final Logger LOG = LoggerFactory.getLogger(RelayLink.class);
  static final int MAX_FRAME = 1 << 20;
  /** The subscription that stays open while connected: devices announcing themselves on the relay. */
  static final String DEVICES_SUB = "devices";
  /** Announcements asked for when the subscription opens (newest first); later ones arrive live. */
  static final int DEVICES_LIMIT = 500;

  private final DeviceClient device;
  private final URI url;
  private final EventLoops loops;
  private final Map<String, CompletableFuture<List<Event>>> queries = new ConcurrentHashMap<>();
  private final Map<String, List<Event>> results = new ConcurrentHashMap<>();
  private final AtomicInteger nextSub = new AtomicInteger();
  private volatile Channel channel;
  /** The connection being made or in use; closed with the link (the event loops are the node's). */
  private volatile Channel socket;
  private volatile Yamux.Session mux;
  private volatile String state = "connecting";
  private volatile Instant since = Instant.now();
  private volatile boolean closed;
  private long backoffMillis = 1000;

  RelayLink(DeviceClient device, URI url, EventLoops loops) {
    this.device = device;
    this.url = url;
    this.loops = loops;
  }

  String url() {
    return url.toString();
  }

  String state() {
    return state;
  }

  Instant since() {
    return since;
  }

  Yamux.Session mux() {
    return state.equals("connected") ? mux : null;
  }

  int tunnels() {
    Yamux.Session m = mux;
    return m == null ? 0 : m.streamCount();
  }

  void start() {
    connect();
  }

  void close() {
    closed = true;
    Channel ch = socket;
    if (ch != null) {
      ch.close();
    }
  }

  private void connect() {
    if (closed) {
      return;
    }
    state = "connecting";
    boolean tls = "wss".equalsIgnoreCase(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    String host = url.getHost();
    Bootstrap b = new Bootstrap().group(loops.group()).channel(loops.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) throws SSLException {
            // first in the pipeline, so it sees every byte: pongs never reach the handlers after "ws"
            ch.pipeline().addLast("idle",
                new IdleStateHandler(3 * device.keepaliveSeconds(), device.keepaliveSeconds(), 0));
            if (tls) {
              ch.pipeline().addLast("tls", SslContextBuilder.forClient().build().newHandler(ch.alloc(), host, port));
            }
            ch.pipeline()
                .addLast("http", new HttpClientCodec())
                .addLast("http-aggregator", new HttpObjectAggregator(64 * 1024))
                .addLast("ws", new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                    .webSocketUri(url).version(WebSocketVersion.V13).customHeaders(new DefaultHttpHeaders())
                    .maxFramePayloadLength(MAX_FRAME).handleCloseFrames(true).dropPongFrames(true)
                    .handshakeTimeoutMillis(10_000).build()))
                .addLast("ws-aggregator", new WebSocketFrameAggregator(MAX_FRAME))
                .addLast("link", new Link());
          }
        });
    io.netty.channel.ChannelFuture connecting = b.connect(host, port);
    socket = connecting.channel();
    if (closed) {
      socket.close();
    }
    connecting.addListener(f -> {
      if (!f.isSuccess()) {
        LOG.debug("Relay {}: connect failed: {}", url, f.cause().toString());
        state = "disconnected: " + f.cause().getMessage();
        retry();
      }
    });
  }

  private void retry() {
    if (closed) {
      return;
    }
    long delay = backoffMillis + ThreadLocalRandom.current().nextLong(backoffMillis / 4 + 1);
    backoffMillis = Math.min(backoffMillis * 2, device.reconnectMaxSeconds() * 1000L);
    try {
      loops.group().schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // shutting down
    }
  }

  /** Runs a REQ once: the stored events matching {@code filter}, up to EOSE. */
  CompletableFuture<List<Event>> query(Filter filter) {
    Channel ch = channel;
    CompletableFuture<List<Event>> f = new CompletableFuture<>();
    if (ch == null || !state.equals("connected")) {
      f.completeExceptionally(new io.warren.api.TransportException("nostr: not connected to " + url));
      return f;
    }
    String sub = "q" + nextSub.incrementAndGet();
    results.put(sub, new ArrayList<>());
    queries.put(sub, f);
    ch.writeAndFlush(new TextWebSocketFrame("[\"REQ\"," + Json.write(sub) + "," + filter.toJson() + "]"));
    ch.eventLoop().schedule(() -> {
      if (queries.remove(sub) != null) {
        results.remove(sub);
        f.completeExceptionally(
            new io.warren.api.TransportException("nostr: " + url + " did not answer a REQ in 10 s"));
      }
    }, 10, TimeUnit.SECONDS);
    return f;
  }

  /** Publishes an event (fire and forget; a refusal is logged). */
  void publish(Event e) {
    Channel ch = channel;
    if (ch != null) {
      ch.writeAndFlush(new TextWebSocketFrame("[\"EVENT\"," + e.toJson() + "]"));
    }
  }

  private final class Link extends ChannelInboundHandlerAdapter {
    private String authId;
    private String helloId;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        channel = ctx.channel();
        state = "authenticating";
      } else if (evt instanceof IdleStateEvent idle) {
        if (idle.state() == IdleState.WRITER_IDLE) {
          ctx.writeAndFlush(new PingWebSocketFrame());
        } else if (idle.state() == IdleState.READER_IDLE) {
          LOG.info("Relay {}: nothing received for {} s, reconnecting", url, 3 * device.keepaliveSeconds());
          ctx.close();
        }
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof BinaryWebSocketFrame && mux != null && state.equals("connected")) {
        ctx.fireChannelRead(msg);
        return;
      }
      try {
        if (msg instanceof TextWebSocketFrame t) {
          byte[] b = ByteBufUtil.getBytes(t.content());
          Object o;
          try {
            o = Json.parse(b, 0, b.length);
          } catch (NostrException e) {
            LOG.debug("Relay {}: malformed message: {}", url, e.getMessage());
            return;
          }
          if (o instanceof List<?> m && !m.isEmpty() && m.get(0) instanceof String type) {
            onMessage(ctx, type, m);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void onMessage(ChannelHandlerContext ctx, String type, List<?> m) {
      switch (type) {
        case "AUTH" -> {
          if (m.size() >= 2 && m.get(1) instanceof String challenge) {
            Event auth = device.sign(SessionAuth.KIND, List.of(List.of("relay", url.toString()),
                List.of("challenge", challenge)), "");
            authId = auth.id();
            ctx.writeAndFlush(new TextWebSocketFrame("[\"AUTH\"," + auth.toJson() + "]"));
          }
        }
        case "OK" -> {
          if (m.size() < 4 || !(m.get(1) instanceof String id) || !(m.get(2) instanceof Boolean ok)) {
            return;
          }
          String message = String.valueOf(m.get(3));
          if (id.equals(authId)) {
            if (!ok) {
              LOG.warn("Relay {} refused our AUTH: {}", url, message);
              ctx.close();
              return;
            }
            Event hello = device.sign(TunnelWire.HELLO_KIND, List.of(List.of("relay", url.toString())), "");
            helloId = hello.id();
            ctx.writeAndFlush(new TextWebSocketFrame("[\"EVENT\"," + hello.toJson() + "]"));
          } else if (id.equals(helloId)) {
            if (!ok) {
              LOG.warn("Relay {} refused this device: {}", url, message);
              state = "refused: " + message;
              ctx.close();
              return;
            }
            ctx.pipeline().addAfter("link", WsBinaryCodec.NAME, new WsBinaryCodec());
            mux = Yamux.install(ctx.pipeline(), WsBinaryCodec.NAME, true, new Inbound(), device.maxTunnels());
            state = "connected";
            since = Instant.now();
            backoffMillis = 1000;
            LOG.info("Connected to relay {} as device {}", url, device.callsign());
            for (Event e : device.announcements()) {
              ctx.write(new TextWebSocketFrame("[\"EVENT\"," + e.toJson() + "]"));
            }
            // the devices this node may name (PeerNames): announced now, and from now on
            Filter devices = new Filter(null, null, Set.of(TunnelWire.DEVICE_KIND), null, null, null, DEVICES_LIMIT);
            ctx.write(new TextWebSocketFrame("[\"REQ\"," + Json.write(DEVICES_SUB) + "," + devices.toJson() + "]"));
            ctx.flush();
          } else if (!ok) {
            LOG.warn("Relay {} refused event {}: {}", url, id, message);
          }
        }
        case "EVENT" -> {
          if (m.size() >= 3 && DEVICES_SUB.equals(m.get(1))) {
            try {
              Event e = Event.fromJson(m.get(2));
              e.verify();
              device.seen(e);
            } catch (NostrException e) {
              LOG.debug("Relay {}: bad device announcement: {}", url, e.getMessage());
            }
            return;
          }
          List<Event> l = m.size() >= 3 && m.get(1) instanceof String sub ? results.get(sub) : null;
          if (l != null) {
            try {
              Event e = Event.fromJson(m.get(2));
              e.verify();
              l.add(e);
            } catch (NostrException e) {
              LOG.debug("Relay {}: bad event: {}", url, e.getMessage());
            }
          }
        }
        case "EOSE", "CLOSED" -> {
          if (m.size() >= 2 && m.get(1) instanceof String sub) {
            CompletableFuture<List<Event>> f = queries.remove(sub);
            List<Event> l = results.remove(sub);
            if (f != null) {
              if (type.equals("EOSE")) {
                ctx.writeAndFlush(new TextWebSocketFrame("[\"CLOSE\"," + Json.write(sub) + "]"));
                f.complete(l);
              } else {
                f.completeExceptionally(new io.warren.api.TransportException("nostr: " + url + " closed the query: "
                    + (m.size() > 2 ? m.get(2) : "")));
              }
            }
          }
        }
        case "NOTICE" -> LOG.info("Relay {} says: {}", url, m.size() > 1 ? m.get(1) : "");
        default -> LOG.debug("Relay {}: ignoring {}", url, type);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (channel == ctx.channel()) {
        channel = null;
      }
      mux = null;
      if (state.equals("connected")) {
        LOG.info("Lost relay {}; reconnecting", url);
      }
      if (!state.startsWith("refused")) {
        state = "disconnected";
      }
      queries.forEach((k, f) -> f.completeExceptionally(new io.warren.api.TransportException("nostr: lost " + url)));
      queries.clear();
      results.clear();
      retry();
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("Relay {}: {}", url, cause.toString());
      ctx.close();
    }
  }

  /** Streams the relay opens: tunnel requests for this device. */
  @Sharable
  private final class Inbound extends ChannelInitializer<Channel> {
    @Override
    protected void initChannel(Channel ch) {
      ch.pipeline().addLast(HeaderReader.NAME, new HeaderReader(new HeaderReader.Listener() {
        @Override
        public void onHeader(Channel stream, String json) {
          device.accept(stream, json);
        }

        @Override
        public void onFailure(Channel stream, String why) {
          LOG.debug("Relay {}: inbound tunnel failed: {}", url, why);
        }
      }));
    }
  }
}
