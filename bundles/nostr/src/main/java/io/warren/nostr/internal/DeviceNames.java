package io.warren.nostr.internal;

import io.warren.api.PeerNames;
import io.warren.api.PeerRef;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Nostr devices this node can name, for the {@link io.warren.api.PeerDirectory}: those
 * connected to or announced on its own relay, and those announced on the relays it is a device of.
 * A device is found by its callsign or by the name it announces (its node name); either way the
 * answer is {@code nostr:<hex key>}, the key that signed the announcement.
 */
@Component(service = PeerNames.class)
public final class DeviceNames implements PeerNames {
  /** Announcements read from the relay's store per lookup, and remembered per relay link. */
  static final int MAX_KNOWN = 1_000;

  /**
   * A device as an announcement (or a connection) shows it.
   *
   * @param hex its key
   * @param name the name it announces (empty: none known)
   * @param since when it announced that name (created_at; 0 for a connection)
   */
  record Known(String hex, String name, long since) {
    String callsign() {
      return TunnelWire.callsign(hex);
    }
  }

  private final Supplier<List<Known>> known;

  @Activate
  public DeviceNames(@Reference NostrRelay relay) {
    this(() -> known(relay));
  }

  /** Names from {@code known}, asked at each lookup. */
  DeviceNames(Supplier<List<Known>> known) {
    this.known = known;
  }

  @Override
  public Optional<PeerRef> lookup(String name) {
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    Map<String, Known> matches = new LinkedHashMap<>();
    for (Known k : known.get()) {
      if (k.callsign().equals(name) || (!k.name().isEmpty() && k.name().equals(name))) {
        matches.putIfAbsent(k.hex(), k);
      }
    }
    if (matches.size() > 1) {
      throw new IllegalArgumentException("'" + TunnelWire.printable(name) + "' names more than one device: "
          + matches.values().stream().map(k -> k.callsign() + " (" + TunnelWire.npub(k.hex()) + ")")
              .collect(Collectors.joining(", ")));
    }
    return matches.keySet().stream().findFirst().map(hex -> new PeerRef(PeerRef.NOSTR, hex));
  }

  @Override
  public Optional<String> nameOf(PeerRef peer) {
    if (!PeerRef.NOSTR.equals(peer.transport())) {
      return Optional.empty();
    }
    String callsign = null;
    for (Known k : known.get()) {
      if (k.hex().equals(peer.id())) {
        if (!k.name().isEmpty()) {
          return Optional.of(k.name());
        }
        callsign = k.callsign();
      }
    }
    return Optional.ofNullable(callsign);
  }

  /** Every device known now: connected first, then announced here, then seen through other relays. */
  private static List<Known> known(NostrRelay relay) {
    DeviceClient client = relay.client();
    return known(relay.devices(), relay.announcedDevices(MAX_KNOWN), client == null ? List.of() : client.seenDevices());
  }

  static List<Known> known(List<DeviceHub.Device> connected, List<Known> announced, List<Known> seen) {
    List<Known> out = new ArrayList<>();
    for (DeviceHub.Device d : connected) {
      out.add(new Known(d.hex(), "", 0));
    }
    out.addAll(announced);
    out.addAll(seen);
    return out;
  }

  /** The device announcements in a relay's store, newest first, at most {@code limit}. Not for an event loop. */
  static List<Known> announced(EventStore store, int limit) {
    Filter f = new Filter(null, null, Set.of(TunnelWire.DEVICE_KIND), null, null, null, limit);
    List<Known> out = new ArrayList<>();
    for (EventStore.Row r : store.query(List.of(f), limit, limit)) {
      Event e = Event.parse(r.json());
      out.add(new Known(e.pubkey(), e.content(), e.createdAt()));
    }
    return out;
  }
}
