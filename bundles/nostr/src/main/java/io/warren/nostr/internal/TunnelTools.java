package io.warren.nostr.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.warren.api.Stream;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.Splice;
import io.warren.nostr.Tunnels;
import io.warren.yamux.Yamux;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Local ends of tunnels: TCP forwards on loopback ({@code relay:connect}) and stdio pipes ({@code relay:pipe}). */
final class TunnelTools implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TunnelTools.class);
  private static final Object END = new Object();

  private final EventLoops loops;
  private final BiFunction<String, String, CompletionStage<Stream>> opener;
  private final Map<Integer, Channel> listeners = new ConcurrentHashMap<>();
  private final Map<Integer, Tunnels.Forward> forwards = new ConcurrentHashMap<>();
  /** Accepted connections of every forward, closed with the tools (the loops are the node's). */
  private final ChannelGroup accepted = new DefaultChannelGroup("nostr-forwards", GlobalEventExecutor.INSTANCE);

  TunnelTools(EventLoops loops, BiFunction<String, String, CompletionStage<Stream>> opener) {
    this.loops = loops;
    this.opener = opener;
  }

  Tunnels.Forward forward(String device, String service, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("--port must be 0-65535, got " + port);
    }
    Channel server;
    try {
      server = loops.spliceServer()
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(Splice.hold()); // what the client sends before the splice starts
              accepted.add(ch);
              opener.apply(device, service).whenComplete((s, err) -> {
                if (err != null) {
                  LOG.info("Forward to {}/{}: {}", device, service, err.getMessage());
                  ch.close();
                } else if (!ch.isActive()) {
                  s.channel().close();
                } else {
                  Splice.between(ch, s.channel()).start();
                }
              });
            }
          })
          .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      throw new TransportException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
    int bound = ((InetSocketAddress) server.localAddress()).getPort();
    listeners.put(bound, server);
    Tunnels.Forward f = new Tunnels.Forward(device, service, "127.0.0.1:" + bound);
    forwards.put(bound, f);
    LOG.info("Forwarding 127.0.0.1:{} to {}/{}", bound, device, service);
    return f;
  }

  boolean stop(int port) {
    Channel c = listeners.remove(port);
    forwards.remove(port);
    if (c == null) {
      return false;
    }
    c.close().syncUninterruptibly();
    return true;
  }

  List<Tunnels.Forward> forwards() {
    return new ArrayList<>(forwards.values());
  }

  /** Blocks until the tunnel's output ended (or failed); stdin is copied by a daemon thread. */
  void pipe(String device, String service, InputStream in, OutputStream out) throws IOException {
    Stream s;
    try {
      s = opener.apply(device, service).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("no tunnel to " + device + "/" + service + " within 30 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    Channel ch = s.channel();
    BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    ch.pipeline().addLast("pipe", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
          queue.add(msg);
        } else {
          ReferenceCountUtil.release(msg);
          ctx.read();
        }
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
          queue.add(END);
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        queue.add(END);
      }
    });
    ch.read();
    Thread stdin = new Thread(() -> {
      byte[] buf = new byte[32 * 1024];
      try {
        int n;
        while ((n = in.read(buf)) >= 0 && ch.isActive()) {
          if (n > 0) {
            ch.writeAndFlush(Unpooled.copiedBuffer(buf, 0, n)).sync();
          }
        }
        Yamux.shutdownOutput(ch);
      } catch (Exception e) {
        LOG.debug("relay:pipe: input ended: {}", e.toString());
        ch.close();
      }
    }, "relay-pipe-stdin");
    stdin.setDaemon(true);
    stdin.start();
    try {
      while (true) {
        Object o = queue.take();
        if (o == END) {
          break;
        }
        ByteBuf b = (ByteBuf) o;
        try {
          b.readBytes(out, b.readableBytes());
          out.flush();
        } finally {
          b.release();
        }
        ch.read();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      ch.close();
      throw e;
    } finally {
      queue.forEach(ReferenceCountUtil::release);
      ch.close();
    }
  }

  @Override
  public synchronized void close() {
    listeners.values().forEach(Channel::close);
    listeners.clear();
    forwards.clear();
    accepted.close();
  }
}
