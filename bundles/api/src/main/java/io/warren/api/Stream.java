package io.warren.api;

import io.netty.channel.Channel;

/**
 * One bidirectional byte stream to a peer, speaking one protocol.
 *
 * <p>The stream is a Netty {@link Channel}: a child channel of the connection that carries it.
 * Write {@code ByteBuf}s to it and read them from its pipeline. Auto-read is off when the stream
 * is handed to a {@link StreamHandler}, so a handler that splices the stream into another channel
 * reads the next buffer only when its last write has completed, which gives end-to-end
 * backpressure. Closing the output ({@code shutdownOutput}) half-closes the stream; closing the
 * channel resets whatever is still open.
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
   * Half-closes: the peer reads everything written so far, then end of stream, while this side
   * can still read. Transports without half-close close the whole stream once written out.
   */
  default io.netty.channel.ChannelFuture closeWrite() {
    return channel().writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
        .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
  }
}
