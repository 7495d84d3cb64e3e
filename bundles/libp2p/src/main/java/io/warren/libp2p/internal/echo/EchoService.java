package io.warren.libp2p.internal.echo;

import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import org.osgi.service.component.annotations.Component;

/**
 * Answers {@value Echo#PROTOCOL}: a whiteboard {@link StreamHandler} like any other service, so
 * the transport offers it by the same path as every other protocol.
 */
@Component(service = StreamHandler.class,
    property = {StreamHandler.PROTOCOL + "=" + Echo.PROTOCOL, StreamHandler.TRANSPORTS + "=libp2p"})
public final class EchoService implements StreamHandler {
  @Override
  public void handle(Stream stream) {
    stream.channel().pipeline().addLast("echo", new Echo.Responder());
  }
}
