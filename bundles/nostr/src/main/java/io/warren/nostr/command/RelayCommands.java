package io.warren.nostr.command;

import io.warren.nostr.Relay;
import io.warren.nostr.RelayLimits;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code relay:} console scope. */
@Component(service = RelayCommands.class, property = {
    "osgi.command.scope=relay",
    "osgi.command.function=info"})
public final class RelayCommands {
  private final Relay relay;

  @Activate
  public RelayCommands(@Reference Relay relay) {
    this.relay = relay;
  }

  @Descriptor("Shows the Nostr relay: its URL, open connections, stored events and limits")
  public Map<String, Object> info() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", relay.running() ? String.join(" ", relay.listenAddresses())
        : "(not running: set enabled = true in etc/io.warren.nostr.relay.cfg or start with --relay-port)");
    m.put("connections", relay.connections());
    m.put("stored-events", relay.storedEvents());
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
}
