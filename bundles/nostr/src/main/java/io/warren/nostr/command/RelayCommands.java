package io.warren.nostr.command;

import io.warren.api.Json;
import io.warren.nostr.Relay;
import io.warren.nostr.RelayLimits;
import io.warren.nostr.Tunnels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code relay:} console scope. */
@Component(service = RelayCommands.class, property = {
    "osgi.command.scope=relay",
    "osgi.command.function=info",
    "osgi.command.function=services",
    "osgi.command.function=links",
    "osgi.command.function=connect",
    "osgi.command.function=disconnect",
    "osgi.command.function=forwards",
    "osgi.command.function=pipe"})
public final class RelayCommands {
  private static final int TIMEOUT_SECONDS = 30;
  private final Relay relay;
  private final Tunnels tunnels;

  @Activate
  public RelayCommands(@Reference Relay relay, @Reference Tunnels tunnels) {
    this.relay = relay;
    this.tunnels = tunnels;
  }

  @Descriptor("Shows the Nostr relay: its URL, open connections, stored events and limits")
  public Map<String, Object> info() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", relay.running() ? String.join(" ", relay.listenAddresses())
        : "(not running: set enabled = true in etc/io.warren.nostr.relay.cfg or start with --relay-port)");
    m.put("connections", relay.connections());
    m.put("stored-events", relay.storedEvents());
    m.put("callsign", tunnels.callsign());
    RelayLimits l = relay.limits();
    m.put("max-message-length", l.maxMessageLength());
    m.put("max-subscriptions", l.maxSubscriptions());
    m.put("max-filters", l.maxFilters());
    m.put("max-limit", l.maxLimit());
    m.put("events-per-second", l.eventsPerSecond());
    m.put("reqs-per-second", l.reqsPerSecond());
    m.put("auth-required", l.authRequired());
    return m;
  }

  @Descriptor("Lists the services devices announce (through this node's relay, or the relay this node is a device of)")
  public List<String> services(
      @Descriptor("one line, a JSON array: callsign, name, protocol, public, description, device") @Parameter(
          names = {"--json"}, presentValue = "true", absentValue = "false") boolean json,
      @Descriptor("a device (npub, hex key or callsign); all devices when omitted") String... device) throws Exception {
    if (device.length > 1) {
      throw new IllegalArgumentException("usage: relay:services [device]");
    }
    List<Tunnels.ServiceInfo> list =
        await(tunnels.services(device.length == 0 ? null : device[0]).toCompletableFuture());
    List<String> out = new ArrayList<>();
    if (json) {
      List<Object> rows = new ArrayList<>();
      for (Tunnels.ServiceInfo s : list) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("callsign", s.callsign());
        m.put("name", s.name());
        m.put("protocol", s.protocol());
        m.put("public", s.isPublic());
        m.put("description", s.description().isEmpty() ? null : s.description());
        m.put("device", s.device());
        rows.add(m);
      }
      out.add(Json.write(rows));
      return out;
    }
    for (Tunnels.ServiceInfo s : list) {
      out.add(s.callsign() + "/" + s.name() + "  " + s.protocol() + "  " + (s.isPublic() ? "public" : "private")
          + (s.description().isEmpty() ? "" : "  " + s.description()) + "  (" + s.device() + ")");
    }
    return out;
  }

  @Descriptor("Shows this node's connections to relays as a device")
  public Object links(@Descriptor("a JSON array: relay, state, since, tunnels") @Parameter(names = {"--json"},
      presentValue = "true", absentValue = "false") boolean json) {
    if (json) {
      List<Object> rows = new ArrayList<>();
      for (Tunnels.Link l : tunnels.links()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("relay", l.relay());
        m.put("state", l.state());
        m.put("since", l.since());
        m.put("tunnels", l.tunnels());
        rows.add(m);
      }
      return Json.write(rows);
    }
    return tunnels.links();
  }

  @Descriptor("Listens on 127.0.0.1 and tunnels each connection to a device's service")
  public Tunnels.Forward connect(
      @Descriptor("local port (0: a free one)") @Parameter(names = "--port", absentValue = "0") int port,
      @Descriptor("<device>/<service>, the device as npub, hex key or callsign") String target) {
    int slash = target.indexOf('/');
    if (slash < 1 || slash == target.length() - 1) {
      throw new IllegalArgumentException("expected <device>/<service>, got '" + target + "'");
    }
    return tunnels.forward(target.substring(0, slash), target.substring(slash + 1), port);
  }

  @Descriptor("Stops the relay:connect listener on a local port")
  public String disconnect(@Descriptor("the local port") int port) {
    if (!tunnels.stopForward(port)) {
      throw new IllegalArgumentException("no relay:connect listener on port " + port);
    }
    return "stopped 127.0.0.1:" + port;
  }

  @Descriptor("Lists the relay:connect listeners")
  public Object forwards(@Descriptor("a JSON array: device, service, address") @Parameter(names = {"--json"},
      presentValue = "true", absentValue = "false") boolean json) {
    if (json) {
      List<Object> rows = new ArrayList<>();
      for (Tunnels.Forward f : tunnels.forwards()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", f.device());
        m.put("service", f.service());
        m.put("address", f.address());
        rows.add(m);
      }
      return Json.write(rows);
    }
    return tunnels.forwards();
  }

  @Descriptor("Connects standard input and output to a device's service (e.g. as an OpenSSH ProxyCommand)")
  public void pipe(CommandSession session,
      @Descriptor("the device: npub, hex key or callsign") String device,
      @Descriptor("the service name") String service) throws IOException {
    tunnels.pipe(device, service, session.getKeyboard(), session.getConsole());
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
    try {
      return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + TIMEOUT_SECONDS + " s");
    }
  }

}
