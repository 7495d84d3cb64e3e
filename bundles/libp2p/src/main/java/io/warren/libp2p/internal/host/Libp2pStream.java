package io.warren.libp2p.internal.host;

import io.netty.channel.Channel;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.yamux.YamuxStreamChannel;

/** A negotiated Yamux stream handed to a service: its channel has auto-read off. */
public record Libp2pStream(YamuxStreamChannel yamux, PeerRef peer, String protocol, boolean relayed,
    Connection connection) implements Stream {

  @Override
  public Channel channel() {
    return yamux;
  }

}
