package io.warren.libp2p.internal.host;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.warren.api.PeerId;
import io.warren.api.TransportException;
import io.warren.libp2p.internal.multistream.MultistreamHandler;
import io.warren.libp2p.internal.noise.NoiseConfig;
import io.warren.libp2p.internal.noise.NoiseHandler;
import io.warren.libp2p.internal.noise.NoiseSession;
import io.warren.libp2p.internal.tls.TlsConfig;
import io.warren.libp2p.internal.tls.TlsHandler;
import io.warren.libp2p.internal.tls.TlsSession;
import io.warren.yamux.YamuxConfig;
import io.warren.yamux.YamuxFrame;
import io.warren.yamux.YamuxSession;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a TCP channel into a libp2p connection, top to bottom:
 * <ol>
 * <li>multistream-select picks the security protocol ({@value #MSS_SECURITY}): the dialler proposes
 *     the configured ones in order ({@code /tls/1.0.0} first by default), the listener accepts any
 *     of them;</li>
 * <li>TLS 1.3 ({@link TlsHandler}) or Noise XX ({@link NoiseHandler}) authenticates the peer and
 *     offers {@code /yamux/1.0.0} inside the handshake (ALPN, or the Noise payload);</li>
 * <li>the muxer is the one chosen inside the handshake if both sides offered one, otherwise
 *     multistream-select picks {@code /yamux/1.0.0} ({@value #MSS_MUXER}), never both;</li>
 * <li>Yamux, whose inbound streams get {@code inboundStreams}.</li>
 * </ol>
 * Any failure closes the channel (the failing handler logs why) and fails the returned future.
 */
final class Upgrader {
  static final String MSS_SECURITY = "mss-security";
  static final String MUXER_UPGRADE = "muxer-upgrade";
  static final String MSS_MUXER = "mss-muxer";
  static final String ERRORS = "errors";

  private static final Logger LOG = LoggerFactory.getLogger(Upgrader.class);

  private final List<String> security;
  private final NoiseConfig noise;
  private final CompletableFuture<TlsConfig> tls;
  private final YamuxConfig yamux;
  private final Duration timeout;
  private final ChannelHandler inboundStreams;
  /** Upgrades finished since start: [outbound ? 1 : 0][failed ? 1 : 0]. */
  private final java.util.concurrent.atomic.LongAdder[][] outcomes = {
      {new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder()},
      {new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder()}};
  /** Called on the event loop once Yamux is in place; returns the registered connection. */
  private final Established established;

  @FunctionalInterface
  interface Established {
    Connection connected(Channel channel, YamuxSession session, Secured secured, boolean outbound);
  }

  /**
   * What the security handshake established, whichever protocol ran it.
   *
   * @param security the security protocol id ({@code /tls/1.0.0} or {@code /noise})
   * @param muxer the muxer chosen inside the handshake; empty: negotiate it with multistream-select
   */
  record Secured(PeerId remotePeer, io.warren.libp2p.internal.crypto.Libp2pPublicKey remoteKey, String security,
      Optional<String> muxer) {}

  /**
   * {@code security}: the security protocol ids in order of preference; {@code tls} is needed (and
   * used) only when they name {@value TlsConfig#PROTOCOL_ID}. It may still be in the making (the
   * host builds it off the start path): a TLS connection that comes before waits for it.
   */
  Upgrader(List<String> security, NoiseConfig noise, CompletableFuture<TlsConfig> tls, YamuxConfig yamux,
      Duration timeout,
      ChannelHandler inboundStreams, Established established) {
    if (security.contains(TlsConfig.PROTOCOL_ID) && tls == null) {
      throw new IllegalArgumentException("libp2p: " + TlsConfig.PROTOCOL_ID + " configured without a TLS config");
    }
    this.security = List.copyOf(security);
    this.tls = tls;
    this.noise = noise;
    this.yamux = yamux;
    this.timeout = timeout;
    this.inboundStreams = inboundStreams;
    this.established = established;
  }

  /** Connection upgrades (multistream, TLS or Noise handshake, muxer) finished since start, by direction and outcome. */
  long handshakes(boolean outbound, boolean failed) {
    return outcomes[outbound ? 1 : 0][failed ? 1 : 0].sum();
  }

  /** Installs the upgrade on a new channel; {@code expected} (nullable) is the peer a dialer meant to reach. */
  CompletableFuture<Connection> install(Channel ch, boolean outbound, PeerId expected) {
    CompletableFuture<Connection> result = new CompletableFuture<>();
    result.whenComplete((c, e) -> outcomes[outbound ? 1 : 0][e == null ? 0 : 1].increment());
    BiConsumer<Object, Throwable> failOn = (v, e) -> {
      if (e != null) {
        result.completeExceptionally(e);
      }
    };
    MultistreamHandler.Selection secure = (ctx, p) -> {
      if (TlsConfig.PROTOCOL_ID.equals(p)) {
        TlsConfig config;
        try {
          config = tls.join();
        } catch (RuntimeException e) {
          LOG.warn("[{}] libp2p: TLS is not available ({}); closing connection to {}", ctx.channel().id(),
              e.getCause() != null ? e.getCause() : e, ctx.channel().remoteAddress());
          result.completeExceptionally(new TransportException("libp2p: TLS is not available", e));
          ctx.close();
          return;
        }
        TlsHandler handler = TlsHandler.addAfter(ctx.pipeline(), ctx.name(), config, outbound, expected, timeout);
        handler.handshakeResult().whenComplete(failOn);
        ctx.pipeline().addAfter(TlsHandler.HANDLER_NAME, MUXER_UPGRADE, new MuxerUpgrade(outbound, result));
        return;
      }
      NoiseHandler handler = outbound ? NoiseHandler.initiator(noise, expected, timeout)
          : NoiseHandler.responder(noise, timeout);
      handler.handshakeResult().whenComplete(failOn);
      NoiseHandler.addAfter(ctx.pipeline(), ctx.name(), handler);
      ctx.pipeline().addAfter(NoiseHandler.HANDLER_NAME, MUXER_UPGRADE, new MuxerUpgrade(outbound, result));
    };
    MultistreamHandler mss = outbound ? MultistreamHandler.dialer(security, secure, timeout)
        : MultistreamHandler.listener(security, secure, timeout);
    mss.result().whenComplete(failOn);
    ch.pipeline().addFirst(ByteCounter.NAME, new ByteCounter());
    ch.pipeline().addLast(MSS_SECURITY, mss);
    ch.pipeline().addLast(ERRORS, new ConnectionErrors());
    ch.closeFuture().addListener(f -> result.completeExceptionally(
        new TransportException("libp2p: connection closed during the upgrade")));
    return result;
  }

  /** After the security handshake: Yamux, inline or by multistream-select. */
  private final class MuxerUpgrade extends ChannelInboundHandlerAdapter {
    private final boolean outbound;
    private final CompletableFuture<Connection> result;

    MuxerUpgrade(boolean outbound, CompletableFuture<Connection> result) {
      this.outbound = outbound;
      this.result = result;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      Secured session;
      if (evt instanceof NoiseSession n) {
        session = new Secured(n.remotePeer(), n.remoteKey(), NoiseConfig.PROTOCOL_ID, n.muxer());
      } else if (evt instanceof TlsSession t) {
        session = new Secured(t.remotePeer(), t.remoteKey(), TlsConfig.PROTOCOL_ID, t.muxer());
      } else {
        super.userEventTriggered(ctx, evt);
        return;
      }
      YamuxSession mux = new YamuxSession(outbound, yamux, inboundStreams);
      if (session.muxer().isPresent()) {
        if (!YamuxFrame.PROTOCOL_ID.equals(session.muxer().get())) { // cannot happen: we only advertise yamux
          fail(ctx, session.security() + ": handshake selected muxer " + session.muxer().get()
              + " that we do not speak");
          return;
        }
        YamuxSession.addAfter(ctx.pipeline(), ctx.name(), mux);
        ctx.pipeline().remove(this);
        done(ctx.channel(), mux, session);
        return;
      }
      List<String> muxers = List.of(YamuxFrame.PROTOCOL_ID);
      MultistreamHandler.Selection selected = (c, p) -> {
        YamuxSession.addAfter(c.pipeline(), c.name(), mux);
        done(c.channel(), mux, session);
      };
      MultistreamHandler mss = outbound ? MultistreamHandler.dialer(muxers, selected, timeout)
          : MultistreamHandler.listener(muxers, selected, timeout);
      mss.result().whenComplete((v, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
        }
      });
      ctx.pipeline().replace(this, MSS_MUXER, mss);
    }

    private void done(Channel ch, YamuxSession mux, Secured session) {
      try {
        result.complete(established.connected(ch, mux, session, outbound));
      } catch (RuntimeException e) {
        LOG.warn("[{}] libp2p: cannot register the connection to {}: {}; closing it", ch.id(), session.remotePeer(),
            e.toString());
        result.completeExceptionally(e);
        ch.close();
      }
    }

    private void fail(ChannelHandlerContext ctx, String reason) {
      LOG.warn("[{}] {}; closing connection to {}", ctx.channel().id(), reason, ctx.channel().remoteAddress());
      result.completeExceptionally(new TransportException(reason));
      ctx.close();
    }
  }

  /** Last in a connection's pipeline: I/O errors close that connection, quietly unless unexpected. */
  static final class ConnectionErrors extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        LOG.debug("[{}] libp2p: connection to {} failed: {}", ctx.channel().id(), ctx.channel().remoteAddress(),
            cause.toString());
      } else {
        LOG.warn("[{}] libp2p: error on the connection to {}: {}; closing it", ctx.channel().id(),
            ctx.channel().remoteAddress(), cause.toString());
      }
      ctx.close();
    }
  }
}
