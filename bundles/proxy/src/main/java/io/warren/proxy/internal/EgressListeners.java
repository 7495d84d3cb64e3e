package io.warren.proxy.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.warren.api.PeerDirectory;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.IngressWire;
import io.warren.api.channel.Splice;
import io.warren.proxy.Rule;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The egress side: a listener per egress rule on the node's event loops, whose connections each
 * open a {@value ProxyWire#PROTOCOL} stream to the rule's peer through the {@link PeerDirectory},
 * send the header, wait for the answer and then splice the connection and the stream.
 */
final class EgressListeners {
  private static final Logger LOG = LoggerFactory.getLogger(EgressListeners.class);

  /** A listener bound for a rule not stored yet; {@link #activate} hands it to the stored rule. */
  record Pending(Channel listener, AtomicReference<ActiveRule> holder, EgressListeners owner) {
    void activate(ActiveRule a) {
      holder.set(a);
      owner.attach(a, listener);
    }
  }

  private final ProxyRuleService rules;
  private final EventLoops loops;
  private final PeerDirectory directory;

  EgressListeners(ProxyRuleService rules, EventLoops loops, PeerDirectory directory) {
    this.rules = rules;
    this.loops = loops;
    this.directory = directory;
  }

  /** Binds {@code r}'s listener now, or throws saying why; connections wait for {@link Pending#activate}. */
  Pending bindNow(Rule r) {
    AtomicReference<ActiveRule> holder = new AtomicReference<>();
    ChannelFuture f = serverBootstrap(holder).bind(r.bind(), r.port()).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalArgumentException("cannot listen on " + r.bind() + ":" + r.port() + ": "
          + ProxyWire.reason(f.cause()));
    }
    return new Pending(f.channel(), holder, this);
  }

  /** Tries to bind {@code a}'s listener, in the background; its state says how that went. */
  void bindLater(ActiveRule a) {
    if (!rules.isActive(a) || a.listener != null) {
      return;
    }
    serverBootstrap(new AtomicReference<>(a)).bind(a.rule.bind(), a.rule.port())
        .addListener((ChannelFutureListener) f -> {
          if (f.isSuccess()) {
            if (rules.isActive(a)) {
              attach(a, f.channel());
              LOG.info("proxy: rule {} active: {}", a.rule.id(), ProxyRuleService.describe(a.rule));
            } else {
              f.channel().close();
            }
          } else {
            String why = "cannot listen on " + a.rule.bind() + ":" + a.rule.port() + ": " + ProxyWire.reason(f.cause());
            if (!why.equals(a.state)) {
              LOG.warn("proxy: rule {}: {} (retrying)", a.rule.id(), why);
            }
            a.state = why;
          }
        });
  }

  private void attach(ActiveRule a, Channel listener) {
    a.listener = listener;
    a.state = "listening on " + a.rule.bind() + ":" + ((InetSocketAddress) listener.localAddress()).getPort();
    listener.closeFuture().addListener(f -> {
      if (a.listener == listener) {
        a.listener = null;
      }
    });
  }

  private ServerBootstrap serverBootstrap(AtomicReference<ActiveRule> holder) {
    return loops.spliceServer()
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Splice.hold()); // what the client sends before the splice starts
            ActiveRule a = holder.get();
            if (a == null || !rules.isActive(a)) {
              ch.close();
              return;
            }
            connect(a, ch);
          }
        });
  }

  /** One accepted connection: opens a stream to the rule's peer and sends the header. */
  private void connect(ActiveRule a, SocketChannel client) {
    if (!rules.admit(a, client)) {
      LOG.warn("proxy: rule {}: {} connections open, the limit; a new one is closed", a.rule.id(),
          rules.settings().maxConnections());
      client.close();
      return;
    }
    directory.open(a.peer, ProxyWire.PROTOCOL).whenComplete((stream, err) -> {
      if (err != null) {
        fail(a, client, "cannot reach " + a.rule.peerName() + ": " + ProxyWire.reason(err));
        return;
      }
      if (!client.isActive() || !rules.isActive(a)) {
        stream.channel().close();
        client.close();
        return;
      }
      a.connections.add(stream.channel());
      SameLoop.moveTo(loops, client, stream.channel().eventLoop()).addListener(moved -> {
        if (!moved.isSuccess() || !client.isActive()) {
          stream.channel().close();
          client.close();
          return;
        }
        IngressWire.dial(stream.channel(), a.rule.peerPort(), a.rule.port()).whenComplete((rest, refused) -> {
          if (refused != null) {
            if (client.isActive()) { // a client that went away first is no failure of the rule
              fail(a, client, a.rule.peerName() + " " + ProxyWire.reason(refused));
            }
            return;
          }
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
          Splice.between(client, stream.channel()).count(a.bytesOut::addAndGet, a.bytesIn::addAndGet).start();
        });
      });
    });
  }

  private static void fail(ActiveRule a, Channel client, String why) {
    a.failures.incrementAndGet();
    LOG.info("proxy: rule {}: connection from {} closed: {}", a.rule.id(), client.remoteAddress(), why);
    client.close();
  }
}
