package io.warren.iot.internal;

import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.iot.IotBroker;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Accepts bridge streams of the older protocol version {@value BridgeWire#PROTOCOL_V1} (frames
 * without properties), so nodes not yet updated stay bridged; the broker serves them like the
 * current version's, without MQTT 5 properties.
 */
@Component(service = StreamHandler.class, property = {StreamHandler.PROTOCOL + "=" + BridgeWire.PROTOCOL_V1,
    StreamHandler.TRANSPORTS + "=libp2p"})
public final class BridgeV1Handler implements StreamHandler {
  private final IotService service;

  @Activate
  public BridgeV1Handler(@Reference(target = "(component.name=io.warren.iot.internal.IotService)") IotBroker broker) {
    this.service = (IotService) broker;
  }

  @Override
  public void handle(Stream stream) {
    service.handle(stream);
  }
}
