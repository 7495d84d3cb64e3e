package io.warren.libp2p.internal.ping;

import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import org.osgi.service.component.annotations.Component;

/**
 * Answers {@value Ping#PROTOCOL}: a whiteboard {@link StreamHandler} like any other service, so
 * the transport offers it by the same path as every other protocol.
 */
@Component(service = StreamHandler.class,
    property = {StreamHandler.PROTOCOL + "=" + Ping.PROTOCOL, StreamHandler.TRANSPORTS + "=libp2p"})
public final class PingService implements StreamHandler {
  @Override
  public void handle(Stream stream) {
    stream.channel().pipeline().addLast("ping", new Ping.Responder());
  }
}
