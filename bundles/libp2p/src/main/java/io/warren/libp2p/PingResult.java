package io.warren.libp2p;

import java.time.Duration;
import java.util.List;

/**
 * Round trips of {@code /ipfs/ping/1.0.0} to one peer, in order.
 *
 * @param relayed whether the connection used passes through a relay
 */
public record PingResult(String peerId, String address, boolean relayed, List<Duration> rtts) {
  public PingResult {
    rtts = List.copyOf(rtts);
  }
}
