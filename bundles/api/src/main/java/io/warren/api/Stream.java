package io.warren.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;

/**
 * One bidirectional byte stream to a peer, speaking one protocol.
 *
 * <p>The stream is a Netty {@link Channel}: a child channel of the connection that carries it.
 * Write {@code ByteBuf}s to it and read them from its pipeline. Auto-read is off when the stream
 * is handed to a {@link StreamHandler}, so a handler that splices the stream into another channel
 * reads the next buffer only when its last write has completed, which gives end-to-end
 * backpressure. {@link #closeWrite()} half-closes the stream, closing the channel ends it in order
 * (the peer reads what was written, then the end), {@link #reset()} aborts it.
 *
 * <p>All pipeline events run on the channel's event loop; methods here may be called from any
 * thread.
 */
public interface Stream {

  /** The Netty channel that carries this stream's bytes. */
  Channel channel();

  /** The peer at the other end, as authenticated by the transport. */
  PeerRef peer();

  /** The protocol id negotiated for this stream, e.g. {@code /warren/proxy/1.0.0}. */
  String protocol();

  /** Whether the bytes pass through a third party (a circuit relay or a Nostr relay). */
  boolean relayed();

  /**
   * Where this stream comes from, for per-source login limits: the IP address of the connection that
   * carries it ({@code ip <address>}, or {@code relayed via ip <relay's address>} through a circuit
   * relay or a Nostr relay), never the peer's key, which a caller mints for free.
   */
  default String source() {
    java.net.SocketAddress remote = channel().remoteAddress();
    if (remote instanceof java.net.InetSocketAddress a && a.getAddress() != null) {
      return (relayed() ? "relayed via ip " : "ip ") + a.getAddress().getHostAddress();
    }
    return relayed() ? "relayed" : "peer " + peer().id();
  }

  /**
   * Half-closes: the peer reads everything written so far, then end of stream, while this side
   * can still read. Streams whose channel is a {@link io.netty.channel.socket.DuplexChannel} (Yamux
   * streams, so libp2p and Nostr tunnels) shut down their output; a transport without half-close
   * closes the whole stream once written out.
   */
  default ChannelFuture closeWrite() {
    var halfClose = io.warren.api.channel.Splice.halfClose(channel());
    if (halfClose != null) {
      return halfClose.apply(channel());
    }
    if (channel() instanceof DuplexChannel d) {
      return d.shutdownOutput();
    }
    return channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Aborts the stream at once, both ways: the peer's stream closes without waiting for anything in
   * flight (a Yamux RST). Closing the channel instead ends the stream in order: what was written is
   * delivered, then the peer sees the end of input.
   */
  default void reset() {
    io.warren.api.channel.Splice.reset(channel());
  }
}
