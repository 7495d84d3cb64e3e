package io.warren.libp2p.internal.host;

import static io.warren.libp2p.internal.host.Host.failed;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.warren.api.PeerId;
import io.warren.api.PeerRef;
import io.warren.api.StreamHandler;
import io.warren.api.TransportException;
import io.warren.libp2p.internal.multistream.MultistreamHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams on upgraded connections (go-libp2p's host stream handling): opening one with a
 * protocol, and answering the peer's with multistream-select against the {@link ProtocolRegistry}
 * and the handler registered for the chosen protocol.
 *
 * <p>An inbound stream takes a slot of its peer's negotiating streams in the {@link ResourceScopes}
 * until its protocol is chosen (a peer opening streams that never choose one holds few, each for at
 * most the negotiation timeout), then a slot of its peer and of its protocol; over a limit it is
 * reset.
 *
 * <p>Inbound and outbound streams reach their owner with auto-read off and a {@link StreamInbox}
 * right after the negotiation, so no byte is lost between selection and the owner's first read, and
 * with their protocol's {@link StreamBytes} counter first in the pipeline.
 */
final class Streams {
  static final String MSS_STREAM = "mss-stream";

  private static final Logger LOG = LoggerFactory.getLogger(Streams.class);

  private final HostConfig config;
  private final ProtocolRegistry protocols;
  private final ResourceScopes scopes;
  private final StreamBytes bytes;
  private final ChannelHandler inbound = new InboundStreams();

  Streams(HostConfig config, ProtocolRegistry protocols, ResourceScopes scopes, StreamBytes bytes) {
    this.config = config;
    this.protocols = protocols;
    this.scopes = scopes;
    this.bytes = bytes;
  }

  /** The initializer of each stream a peer opens. */
  ChannelHandler inboundInitializer() {
    return inbound;
  }

  /**
   * Opens a stream on {@code c}, proposing {@code protocol} lazily (header, proposal and the stream's
   * SYN leave in one flush); completes once the peer confirmed the protocol, with auto-read off.
   */
  CompletableFuture<Libp2pStream> open(Connection c, String protocol) {
    if (!c.isOpen()) {
      return failed("libp2p: connection " + c + " is closed");
    }
    if (c.muxer().streamCount() >= config.maxStreamsPerConnection()) {
      return failed("libp2p: stream limit reached on " + c + " (" + config.maxStreamsPerConnection() + " open)");
    }
    CompletableFuture<Libp2pStream> result = new CompletableFuture<>();
    AtomicReference<Channel> channel = new AtomicReference<>();
    MultistreamHandler mss = MultistreamHandler.lazyDialer(protocol,
        (ctx, p) -> ctx.pipeline().addAfter(ctx.name(), StreamInbox.NAME, new StreamInbox()),
        config.negotiationTimeout());
    mss.result().whenComplete((p, e) -> {
      Channel ch = channel.get();
      if (e != null) {
        result.completeExceptionally(new TransportException("libp2p: " + c.remotePeer() + " did not accept " + protocol
            + ": " + e.getMessage(), e));
        return;
      }
      ch.config().setAutoRead(false);
      StreamInbox.owned(ch);
      ch.pipeline().addFirst(StreamBytes.NAME, bytes.counter(protocol));
      if (!result.complete(new Libp2pStream(ch, peerRef(c.remotePeer()), protocol, c.relayed(), c))) {
        Libp2pStream.reset(ch);
      }
    });
    c.muxer().openStream(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        channel.set(ch);
        ch.pipeline().addLast(MSS_STREAM, mss);
      }
    }).addListener(f -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(new TransportException("libp2p: cannot open a stream to " + c.remotePeer()
            + ": " + f.cause().getMessage(), f.cause()));
      }
    });
    return result;
  }

  /** Inbound streams: multistream-select against the protocols registered right now. */
  @ChannelHandler.Sharable
  private final class InboundStreams extends ChannelInitializer<Channel> {
    @Override
    protected void initChannel(Channel ch) {
      Connection c = ch.parent().attr(Host.CONNECTION).get();
      if (c != null) {
        PeerId peer = c.remotePeer();
        String refused = scopes.openNegotiating(peer);
        if (refused != null) {
          LOG.debug("[{}] libp2p: resetting a new stream from {}: {}", ch, peer, refused);
          Libp2pStream.reset(ch);
          return;
        }
        AtomicBoolean counted = new AtomicBoolean(true);
        Runnable release = () -> {
          if (counted.getAndSet(false)) {
            scopes.negotiated(peer);
          }
        };
        ch.closeFuture().addListener(f -> release.run());
        ch.pipeline().addLast(MSS_STREAM, MultistreamHandler.listener(protocols.protocols(), (ctx, p) -> {
          release.run();
          selected(ctx, ch, p);
        }, config.negotiationTimeout()));
        return;
      }
      ch.pipeline().addLast(MSS_STREAM, MultistreamHandler.listener(protocols.protocols(),
          (ctx, p) -> selected(ctx, ch, p), config.negotiationTimeout()));
    }
  }

  private void selected(ChannelHandlerContext ctx, Channel ch, String protocol) {
    StreamHandler handler = protocols.get(protocol);
    Connection c = ch.parent().attr(Host.CONNECTION).get();
    if (handler == null || c == null) {
      LOG.debug("[{}] libp2p: no handler for {} any more; resetting the stream", ch, protocol);
      Libp2pStream.reset(ch);
      return;
    }
    String refused = scopes.openStream(c.remotePeer(), protocol);
    if (refused != null) {
      LOG.debug("[{}] libp2p: resetting a {} stream from {}: {}", ch, protocol, c.remotePeer(), refused);
      Libp2pStream.reset(ch);
      return;
    }
    ch.closeFuture().addListener(f -> scopes.closeStream(c.remotePeer(), protocol));
    ch.config().setAutoRead(false);
    ch.pipeline().addFirst(StreamBytes.NAME, bytes.counter(protocol));
    ctx.pipeline().addAfter(ctx.name(), StreamInbox.NAME, new StreamInbox());
    StreamInbox.owned(ch);
    try {
      handler.handle(new Libp2pStream(ch, peerRef(c.remotePeer()), protocol, c.relayed(), c));
    } catch (Exception | LinkageError e) {
      LOG.warn("[{}] libp2p: the {} handler failed on a stream from {}: {}; resetting the stream", ch, protocol,
          c.remotePeer(), e.toString(), e);
      Libp2pStream.reset(ch);
    }
  }

  static PeerRef peerRef(PeerId peer) {
    return new PeerRef(Host.TRANSPORT_NAME, peer.toString());
  }
}
