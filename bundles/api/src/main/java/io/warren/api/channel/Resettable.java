package io.warren.api.channel;

import io.netty.channel.ChannelFuture;

/**
 * A channel that can be aborted, not only closed in order: a multiplexed stream whose
 * {@code close()} lets the peer read what was written and then the end, and whose {@link #reset()}
 * ends it at once both ways (a Yamux RST). {@link Splice#reset} uses it where a channel has it.
 */
public interface Resettable {

  /** Aborts the stream at once, both ways; what is still in flight may be lost. */
  ChannelFuture reset();
}
