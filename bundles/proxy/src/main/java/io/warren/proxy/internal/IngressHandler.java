package io.warren.proxy.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.Splice;
import io.warren.proxy.Rule;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingress side of {@value ProxyWire#PROTOCOL}: accepts a stream only when an ingress rule names
 * its (authenticated) origin and the port it asks for, connects it to the rule's local target on
 * the stream's own event loop, answers, and splices the two.
 */
@Component(service = StreamHandler.class, property = StreamHandler.PROTOCOL + "=" + ProxyWire.PROTOCOL)
public final class IngressHandler implements StreamHandler {
  private static final Logger LOG = LoggerFactory.getLogger(IngressHandler.class);

  private final ProxyRuleService rules;
  private final EventLoops loops;

  @Activate
  public IngressHandler(@Reference ProxyRuleService rules, @Reference EventLoops loops) {
    this.rules = rules;
    this.loops = loops;
  }

  @Override
  public void handle(Stream stream) {
    stream.channel().pipeline().addLast("proxy-header", new HeaderReader(stream));
    stream.channel().read();
  }

  /** The ingress rule that lets {@code stream} in for {@code port} from {@code originPort}, or null. */
  private ActiveRule match(Stream stream, int port, int originPort) {
    String origin = stream.peer().toString();
    for (ActiveRule a : rules.active()) {
      Rule r = a.rule;
      if (r.direction() == Rule.Direction.INGRESS && r.port() == port && r.peer().equals(origin)
          && (r.peerPort() == 0 || r.peerPort() == originPort)) {
        return a;
      }
    }
    return null;
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
      if (buffer.readableBytes() < ProxyWire.HEADER_BYTES) {
        ctx.read();
        return;
      }
      int version = buffer.readUnsignedByte();
      int port = buffer.readUnsignedShort();
      int originPort = buffer.readUnsignedShort();
      ByteBuf rest = buffer;
      buffer = null;
      ctx.pipeline().remove(this);
      if (version != ProxyWire.VERSION) {
        rest.release();
        refuse(ProxyWire.NOT_ALLOWED, "proxy protocol version " + version + " is not spoken here");
        return;
      }
      ActiveRule match = match(stream, port, originPort);
      if (match == null) {
        rest.release();
        LOG.warn("proxy: refused a stream from {} for port {}: no ingress rule allows it", stream.peer(), port);
        refuse(ProxyWire.NOT_ALLOWED, "no ingress rule on " + rules.nodeName() + " accepts port " + port + " from "
            + stream.peer().id());
        return;
      }
      connect(match, rest);
    }

    private void refuse(int status, String reason) {
      ProxyWire.reply(stream.channel(), status, reason).addListener(ChannelFutureListener.CLOSE);
    }

    private void connect(ActiveRule a, ByteBuf early) {
      Channel s = stream.channel();
      if (!rules.admit(a, s)) {
        early.release();
        refuse(ProxyWire.TARGET_FAILED, rules.nodeName() + " has " + rules.settings().maxConnections()
            + " proxied connections open, its limit");
        return;
      }
      new Bootstrap().group(SameLoop.loopFor(loops, s.eventLoop())).channel(loops.socketChannel())
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.RCVBUF_ALLOCATOR, EventLoops.BULK_READS)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, rules.settings().connectTimeoutMillis())
          .handler(Splice.hold()) // what the service sends before the splice starts
          .connect(a.rule.bind(), a.rule.port()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
              early.release();
              a.failures.incrementAndGet();
              String why = "connection to " + a.rule.bind() + ":" + a.rule.port() + " failed on " + rules.nodeName()
                  + ": " + ProxyWire.reason(f.cause());
              LOG.info("proxy: rule {}: {}", a.rule.id(), why);
              refuse(ProxyWire.TARGET_FAILED, why);
              return;
            }
            Channel target = f.channel();
            if (!s.isActive() || !rules.isActive(a)) {
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
            ProxyWire.reply(s, ProxyWire.CONNECTED, "").addListener((ChannelFutureListener) r -> {
              if (r.isSuccess()) {
                Splice.between(s, target).count(a.bytesIn::addAndGet, a.bytesOut::addAndGet).start();
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
}
