package io.warren.tls.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.IngressWire;
import io.warren.api.channel.Splice;
import io.warren.tls.TlsCertificates;
import io.warren.tls.TlsCertificates.Route;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Where a listener's connection goes once routed: a stream in api's {@link IngressWire} protocol to
 * the route's node (whose ingress rule for this node and {@code originPort} lets it in), or this
 * node's loopback for a {@code localhost} target; then the splice.
 */
final class Forward {
  private static final int CONNECT_MILLIS = 10_000;

  /** The client went away while its target was being connected: nothing to report. */
  static final class ClientLeft extends IllegalStateException {
    ClientLeft() {
      super("the client left");
    }
  }

  /** A connected target and what it sent before the splice (released by {@link #splice}). */
  record Target(Channel channel, ByteBuf rest) {}

  private Forward() {}

  /**
   * Connects {@code client}'s route: its targets in {@link Targets#order}, each failed one reported
   * and the next tried; completes exceptionally (saying why for each) when none can be had.
   */
  static CompletableFuture<Target> connect(EventLoops loops, PeerDirectory directory, Targets targets,
      Channel client, Route r, int originPort) {
    CompletableFuture<Target> done = new CompletableFuture<>();
    attempt(loops, directory, targets, client, targets.order(r).iterator(), originPort, new StringBuilder(), done);
    return done;
  }

  private static void attempt(EventLoops loops, PeerDirectory directory, Targets targets, Channel client,
      java.util.Iterator<TlsCertificates.Target> next, int originPort, StringBuilder why,
      CompletableFuture<Target> done) {
    TlsCertificates.Target t = next.next();
    connect(loops, directory, client, t, originPort).whenComplete((target, err) -> {
      if (err == null) {
        done.complete(target);
        return;
      }
      if (err instanceof ClientLeft) {
        done.completeExceptionally(err);
        return;
      }
      targets.failed(t, err.getMessage());
      why.append(why.length() == 0 ? "" : "; ").append(err.getMessage());
      if (next.hasNext() && client.isActive()) {
        attempt(loops, directory, targets, client, next, originPort, why, done);
      } else {
        done.completeExceptionally(new IllegalStateException(why.toString(), err));
      }
    });
  }

  /** Connects one target; completes exceptionally (saying why) when it cannot be had. */
  private static CompletableFuture<Target> connect(EventLoops loops, PeerDirectory directory, Channel client,
      TlsCertificates.Target r, int originPort) {
    CompletableFuture<Target> done = new CompletableFuture<>();
    if (r.peer().equals(TlsService.LOCAL)) {
      new Bootstrap().group(client.eventLoop()).channel(loops.socketChannel())
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_MILLIS)
          .handler(Splice.hold())
          .connect(InetAddress.getLoopbackAddress(), r.port()).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
              done.complete(new Target(f.channel(), Unpooled.EMPTY_BUFFER));
            } else {
              done.completeExceptionally(new IllegalStateException("cannot connect to localhost:" + r.port() + ": "
                  + f.cause().getMessage(), f.cause()));
            }
          });
      return done;
    }
    directory.open(PeerRef.parse(r.peer()), IngressWire.PROTOCOL).whenComplete((stream, err) -> {
      if (err != null) {
        done.completeExceptionally(new IllegalStateException("cannot reach " + r.peer() + ": " + err.getMessage(),
            err));
        return;
      }
      if (!client.isActive()) {
        stream.channel().close();
        done.completeExceptionally(new ClientLeft());
        return;
      }
      IngressWire.dial(stream.channel(), r.port(), originPort).whenComplete((rest, no) -> {
        if (no != null) {
          done.completeExceptionally(new IllegalStateException(r.peer() + " " + no.getMessage(), no));
        } else { // on the stream's loop: what the target sends before the splice starts (on the client's loop) is held
          stream.channel().pipeline().addLast(Splice.hold());
          done.complete(new Target(stream.channel(), rest));
        }
      });
    });
    return done;
  }

  /**
   * On the client's loop: the target's leftover to the client, {@code early} (what the client sent
   * before) to the target, then the splice, and the end of the client's input if it came already
   * (else the target would wait for bytes that never come, holding its stream). Releases everything
   * when either side is gone.
   */
  static void splice(Channel client, Target t, ByteBuf early, boolean clientInputEnded) {
    if (!client.isActive() || !t.channel().isActive()) {
      t.rest().release();
      early.release();
      t.channel().close();
      client.close();
      return;
    }
    if (t.rest().isReadable()) {
      client.writeAndFlush(t.rest());
    } else {
      t.rest().release();
    }
    if (early.isReadable()) {
      t.channel().writeAndFlush(early);
    } else {
      early.release();
    }
    Splice.between(client, t.channel()).start();
    if (clientInputEnded) { // the client's end came before the splice: the splice passes it on (a FIN to the target)
      client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    }
  }
}
