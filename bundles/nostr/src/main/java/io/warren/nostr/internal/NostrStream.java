package io.warren.nostr.internal;

import io.netty.channel.Channel;
import io.warren.api.PeerRef;
import io.warren.api.Stream;

/** A tunnel through a Nostr relay: a Yamux stream over the relay's WebSocket, auto-read off. */
public record NostrStream(Channel channel, PeerRef peer, String protocol) implements Stream {
  @Override
  public boolean relayed() {
    return true;
  }

}
