package io.warren.tls.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AsyncMapping;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.IngressWire;
import io.warren.api.channel.OpenConnections;
import io.warren.api.channel.Splice;
import io.warren.tls.TlsCertificates.Route;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS listener: the ClientHello's SNI picks the stored certificate (no certificate or no route
 * for the name, or no SNI: the handshake is refused and the connection closed), TLS ends here, and
 * the plaintext goes through a stream in api's {@link IngressWire} protocol (the proxy bundle's ingress
 * protocol: the target node needs an ingress rule for this node and port) to the route's target.
 */
final class TlsListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TlsListener.class);
  /** Plaintext a client may send before its stream is connected. */
  private static final int EARLY_MAX = 64 * 1024;
  /** A client that has not finished its handshake by then is closed (a silent or slow ClientHello holds nothing longer). */
  static final long HANDSHAKE_SECONDS = 10;
  /** TLS alert record: fatal (2), unrecognized_name (112), sent when the SNI names nothing served here. */
  private static final byte[] UNRECOGNIZED_NAME = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70};

  private final Channel server;
  private final Function<String, Route> routes;
  private final Function<String, SslContext> contexts;
  private final PeerDirectory directory;
  private final OpenConnections open;

  TlsListener(EventLoops loops, PeerDirectory directory, String host, int port, int maxConnections,
      Function<String, SslContext> contexts, Function<String, Route> routes) {
    this.directory = directory;
    this.contexts = contexts;
    this.routes = routes;
    this.open = new OpenConnections(maxConnections);
    AsyncMapping<String, SslContext> mapping = (name, promise) -> {
      SslContext ctx = name == null ? null : lookup(name);
      return ctx == null
          ? promise.setFailure(
              new SSLException(name == null ? "no SNI in the ClientHello" : "no certificate and route for " + name))
          : promise.setSuccess(ctx);
    };
    var f = loops.spliceServer()
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!open.admit(ch)) {
              LOG.debug("tls: {} connections open, the limit; {} is closed", open.max(), ch.remoteAddress());
              return;
            }
            ch.pipeline().addLast("sni", new SniHandler(mapping)).addLast("route", new RouteHandler());
          }
        }).bind(new InetSocketAddress(host, port)).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalStateException("tls: cannot listen on " + host + ":" + port + ": " + f.cause().getMessage(),
          f.cause());
    }
    server = f.channel();
  }

  private SslContext lookup(String name) {
    String host = name.toLowerCase(Locale.ROOT);
    return routes.apply(host) == null ? null : contexts.apply(host);
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  String address() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
  }

  /** After the handshake: opens the stream to the route's target and splices the plaintext into it. */
  private final class RouteHandler extends ChannelInboundHandlerAdapter {
    private String hostname;
    private CompositeByteBuf early;
    private ScheduledFuture<?> deadline;
    private boolean refused;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      deadline = ctx.executor().schedule(() -> {
        LOG.debug("tls: {} did not finish its handshake within {} s", ctx.channel().remoteAddress(), HANDSHAKE_SECONDS);
        ctx.close();
      }, HANDSHAKE_SECONDS, TimeUnit.SECONDS);
      ctx.fireChannelActive();
      ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SniCompletionEvent sni) {
        hostname = sni.hostname() == null ? null : sni.hostname().toLowerCase(Locale.ROOT);
        if (!sni.isSuccess()) {
          LOG.debug("tls: refused a handshake from {}: {}", ctx.channel().remoteAddress(), sni.cause().getMessage());
          refused = true;
          ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME)).addListener(ChannelFutureListener.CLOSE);
        }
        return;
      }
      if (evt instanceof SslHandshakeCompletionEvent done) {
        deadline.cancel(false);
        if (!done.isSuccess()) {
          ctx.close();
          return;
        }
        Route r = hostname == null ? null : routes.apply(hostname);
        if (r == null) {
          ctx.close();
          return;
        }
        early = ctx.alloc().compositeBuffer();
        connect(ctx.channel(), r);
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (early == null || !(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      early.addComponent(true, buf);
      if (early.readableBytes() > EARLY_MAX) {
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (deadline != null) {
        deadline.cancel(false);
      }
      release();
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!refused) { // a refused name's alert is on its way, then the close
        LOG.debug("tls: connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
      }
    }

    private void release() {
      if (early != null) {
        early.release();
        early = null;
      }
    }

    private void connect(Channel client, Route r) {
      PeerRef peer = PeerRef.parse(r.peer());
      directory.open(peer, IngressWire.PROTOCOL).whenComplete((stream, err) -> {
        if (err != null) {
          LOG.info("tls: {}: cannot reach {}: {}", r.hostname(), r.peer(), err.getMessage());
          client.close();
          return;
        }
        if (!client.isActive()) {
          stream.channel().close();
          return;
        }
        IngressWire.dial(stream.channel(), r.port(), port()).whenComplete((rest, refused) -> {
          if (refused != null) {
            LOG.info("tls: {}: {} {}", r.hostname(), r.peer(), refused.getMessage());
            client.close();
            return;
          }
          client.eventLoop().execute(() -> splice(client, stream, rest));
        });
      });
    }

    /** On the client's loop: the answer's leftover to the client, the early plaintext to the stream, then the splice. */
    private void splice(Channel client, Stream stream, ByteBuf rest) {
      if (!client.isActive() || early == null) {
        rest.release();
        stream.channel().close();
        return;
      }
      client.pipeline().remove(this);
      CompositeByteBuf pending = early;
      early = null;
      if (rest.isReadable()) {
        client.writeAndFlush(rest);
      } else {
        rest.release();
      }
      if (pending.isReadable()) {
        stream.channel().writeAndFlush(pending);
      } else {
        pending.release();
      }
      Splice.between(client, stream.channel()).start();
    }
  }
}
