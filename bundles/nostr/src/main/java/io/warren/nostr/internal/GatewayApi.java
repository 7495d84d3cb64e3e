package io.warren.nostr.internal;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The gateway's JSON API: {@code /api/status}, {@code /api/devices} and {@code /api/devices/<id>}. */
final class GatewayApi {
  /** An answer: a status and a JSON body ({@code {"error": ...}} unless the status is 200). */
  record Answer(HttpResponseStatus status, Object body) {
    static Answer error(HttpResponseStatus status, String message) {
      return new Answer(status, Map.of("error", message));
    }
  }

  private final Gateway gateway;

  GatewayApi(Gateway gateway) {
    this.gateway = gateway;
  }

  /** The answer for {@code path} (the request's path, without the query). */
  Answer answer(String path) {
    DeviceHub hub = gateway.hub();
    if (path.equals("/api/status")) {
      RelayServer relay = gateway.relay();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("version", relay.version());
      body.put("url", relay.url());
      body.put("uptime_seconds", (System.currentTimeMillis() - relay.startedAt()) / 1000);
      body.put("connections", relay.connections());
      List<DeviceHub.Device> devices = hub.devices();
      body.put("devices", devices.size());
      body.put("tunnels", devices.stream().mapToInt(DeviceHub.Device::tunnels).sum());
      body.put("stored_events", relay.storedEvents());
      body.put("slow_readers_closed", relay.slowReadersClosed());
      return new Answer(HttpResponseStatus.OK, body);
    }
    if (path.equals("/api/devices")) {
      List<Object> list = new ArrayList<>();
      for (DeviceHub.Device d : hub.devices()) {
        list.add(device(d, false));
      }
      return new Answer(HttpResponseStatus.OK, Map.of("devices", list));
    }
    if (path.startsWith("/api/devices/")) {
      String id = path.substring("/api/devices/".length());
      DeviceHub.Device d;
      try {
        d = hub.find(TunnelWire.parseDevice(id));
      } catch (IllegalArgumentException e) {
        return Answer.error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
      }
      if (d == null) {
        return Answer.error(HttpResponseStatus.NOT_FOUND, "device " + TunnelWire.printable(id) + " is not connected");
      }
      return new Answer(HttpResponseStatus.OK, device(d, true));
    }
    return Answer.error(HttpResponseStatus.NOT_FOUND, "no such API: " + TunnelWire.printable(path));
  }

  private Map<String, Object> device(DeviceHub.Device d, boolean withServices) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("callsign", d.callsign());
    m.put("pubkey", d.hex());
    m.put("npub", TunnelWire.npub(d.hex()));
    String domain = gateway.hub().settings().gatewayDomain();
    if (!domain.isEmpty()) {
      // where its services are: https://<host>/<service>/
      m.put("gateway_host", GatewayHosts.host(d.hex(), domain));
    }
    m.put("connected_since", d.since().toString());
    m.put("tunnels", d.tunnels());
    m.put("tunnels_opened", d.tunnelsOpened());
    if (withServices) {
      m.put("services", gateway.services(d.hex()));
    }
    return m;
  }
}
