package io.warren.nostr.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.NodeProperties;
import io.warren.api.PeerRef;
import io.warren.api.Store;
import io.warren.api.Stream;
import io.warren.api.Transport;
import io.warren.api.TransportException;
import io.warren.nostr.Relay;
import io.warren.nostr.RelayLimits;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's Nostr relay. It listens when configured with {@code enabled = true}, or when the
 * framework property {@value RelaySettings#PORT_PROPERTY} is set (the launcher's
 * {@code --relay-port N}, which also overrides the configured port); otherwise it is registered
 * but idle.
 *
 * <p>It is the node's {@code nostr} {@link Transport} so that {@code node:info} lists its URL.
 * Streams to devices through the relay (the tunnel layer) do not exist yet: {@link #open} fails
 * with a {@link TransportException} that says so.
 */
@Component(service = {Relay.class, Transport.class}, immediate = true,
    configurationPid = "io.warren.nostr.relay", property = Transport.NAME + "=" + NostrRelay.TRANSPORT)
@Designate(ocd = NostrRelay.Config.class)
public final class NostrRelay implements Relay, Transport {
  static final String TRANSPORT = "nostr";

  @ObjectClassDefinition(name = "Warren Nostr relay", description = "A NIP-01 relay (with NIP-11 and NIP-42) on this node")
  public @interface Config {
    @AttributeDefinition(description = "Listen for Nostr clients (also on when the warren.relay.port property is set)")
    boolean enabled() default false;

    @AttributeDefinition(description = "Address to bind; loopback unless you mean to serve other machines")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port; 0 picks a free port (warren.relay.port overrides it)")
    int port() default 0;

    @AttributeDefinition(description = "NIP-11 name")
    String name() default "Warren relay";

    @AttributeDefinition(description = "NIP-11 description")
    String description() default "A Nostr relay run by a Warren node";

    @AttributeDefinition(description = "NIP-11 contact (a mailto: or https: URI); empty for none")
    String contact() default "";

    @AttributeDefinition(description = "The ws:// or wss:// URL clients use, when it is not the listening address")
    String public_url() default "";

    @AttributeDefinition(description = "Largest WebSocket message in bytes (1024 - 64 MiB)")
    int max_message_length() default 131_072;

    @AttributeDefinition(description = "Open subscriptions per connection")
    int max_subscriptions() default 20;

    @AttributeDefinition(description = "Filters in one REQ")
    int max_filters() default 10;

    @AttributeDefinition(description = "A filter's limit is clamped to this")
    int max_limit() default 500;

    @AttributeDefinition(description = "Limit of a filter that gives none")
    int default_limit() default 500;

    @AttributeDefinition(description = "Longest subscription id")
    int max_subid_length() default 64;

    @AttributeDefinition(description = "Most tags in one event")
    int max_event_tags() default 2_000;

    @AttributeDefinition(description = "EVENTs per second per connection (and the burst allowed)")
    int events_per_second() default 50;

    @AttributeDefinition(description = "REQs per second per connection (and the burst allowed)")
    int reqs_per_second() default 20;

    @AttributeDefinition(description = "Require NIP-42 AUTH before EVENT and REQ")
    boolean auth_required() default false;

    @AttributeDefinition(description = "Seconds an AUTH event's created_at may differ from now")
    int auth_window_seconds() default 600;

    @AttributeDefinition(description = "Seconds into the future an event's created_at may be")
    long created_at_upper_limit() default 900;
  }

  private final RelaySettings settings;
  private final EventStore store;
  private final RelayServer server;

  @Activate
  public NostrRelay(BundleContext context, Config config, @Reference Store store, @Reference NodeIdentity identity)
      throws InterruptedException {
    this.settings = settings(config, context.getProperty(RelaySettings.PORT_PROPERTY));
    this.store = new EventStore(store);
    String version = context.getProperty(NodeProperties.VERSION);
    this.server = settings.enabled()
        ? new RelayServer(settings, this.store, HexFormat.of().formatHex(identity.nostrPublicKey()),
            version == null ? context.getBundle().getVersion().toString() : version)
        : null;
  }

  static RelaySettings settings(Config c, String portProperty) {
    boolean enabled = c.enabled();
    int port = c.port();
    if (portProperty != null && !portProperty.isBlank()) {
      try {
        port = Integer.parseInt(portProperty.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(RelaySettings.PORT_PROPERTY + " must be a port number, got " + portProperty, e);
      }
      enabled = true;
    }
    return new RelaySettings(enabled, c.host(), port, c.name(), c.description(), c.contact(), c.public_url().trim(),
        c.auth_window_seconds(),
        new RelayLimits(c.max_message_length(), c.max_subscriptions(), c.max_filters(), c.max_limit(),
            c.default_limit(), c.max_subid_length(), c.max_event_tags(), c.events_per_second(),
            c.reqs_per_second(), c.auth_required(), c.created_at_upper_limit()));
  }

  @Deactivate
  void deactivate() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  public boolean running() {
    return server != null;
  }

  @Override
  public List<String> listenAddresses() {
    return server == null ? List.of() : List.of(server.url());
  }

  @Override
  public int connections() {
    return server == null ? 0 : server.connections();
  }

  @Override
  public long storedEvents() {
    return store.count();
  }

  @Override
  public RelayLimits limits() {
    return settings.limits();
  }

  @Override
  public String name() {
    return TRANSPORT;
  }

  @Override
  public CompletionStage<Stream> open(PeerRef peer, String protocolId) {
    return CompletableFuture.failedFuture(new TransportException(
        "nostr: streams through the relay (device tunnels) are not implemented yet; cannot open "
            + protocolId + " to " + peer));
  }
}
