package io.warren.libp2p;

import java.time.Duration;

/**
 * One {@code /echo/1.0.0} exchange.
 *
 * @param sent bytes written
 * @param received bytes that came back before the peer closed its side
 * @param identical whether what came back equals what was sent, byte for byte
 * @param elapsed from opening the stream to the peer's end of stream
 */
public record EchoResult(String peerId, long sent, long received, boolean identical, Duration elapsed) {}
