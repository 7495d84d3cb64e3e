package io.warren.nostr.internal;

import io.warren.api.PeerAttributes;
import io.warren.api.PeerRef;
import io.warren.api.RecordAttributes;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Nostr device says about itself, signed, for {@link PeerAttributes}: a device puts one
 * {@code ["attr", key, value]} tag per attribute of its node's {@link RecordAttributes} services into
 * its announcement (kind {@value TunnelWire#DEVICE_KIND}, see {@link #tags}), and this node reads them
 * back for {@code nostr:<key>} from the newest announcement of that key it holds (its own relay's
 * store, or heard on the relays it is a device of), after checking the announcement's signature with
 * that key, so neither the relay that stored it nor whoever passed it on can change what the device
 * said. The SSH bundle checks a device's host key against it ({@code ssh.hostkey}).
 */
@Component(service = PeerAttributes.class)
public final class DeviceAttributes implements PeerAttributes {
  /** The tag name of one attribute. */
  static final String TAG = "attr";
  private static final Logger LOG = LoggerFactory.getLogger(DeviceAttributes.class);

  private final Function<String, List<Event>> announcements;

  @Activate
  public DeviceAttributes(@Reference NostrRelay relay) {
    this(hex -> announcementsOf(relay, hex));
  }

  /** Attributes from the announcements {@code announcements} gives for a hex key (any, unchecked). */
  DeviceAttributes(Function<String, List<Event>> announcements) {
    this.announcements = announcements;
  }

  @Override
  public Optional<Map<String, String>> of(PeerRef peer) {
    if (!PeerRef.NOSTR.equals(peer.transport())) {
      return Optional.empty();
    }
    Event newest = null;
    for (Event e : announcements.apply(peer.id())) {
      if (e.kind() != TunnelWire.DEVICE_KIND || !e.pubkey().equals(peer.id()) || !e.dTag().isEmpty()) {
        continue;
      }
      try {
        e.verify();
      } catch (NostrException bad) {
        LOG.debug("nostr: announcement {} of {} ignored: {}", e.id(), peer.id(), bad.getMessage());
        continue;
      }
      if (newest == null || e.supersedes(newest)) {
        newest = e;
      }
    }
    return Optional.ofNullable(newest).map(DeviceAttributes::read);
  }

  /**
   * What a device announces of its node's {@code sources}: every one's attributes but those for
   * network members only ({@link RecordAttributes#membersOnly}); a failing source goes to {@code failed}.
   */
  static Map<String, String> announced(List<RecordAttributes> sources,
      java.util.function.BiConsumer<RecordAttributes, RuntimeException> failed) {
    return RecordAttributes.merge(sources.stream().filter(a -> !a.membersOnly()).toList(), failed);
  }

  /**
   * The {@code attr} tags of {@code attributes}, by key; a key that is not well formed, a value over
   * {@value RecordAttributes#MAX_VALUE} bytes and what is past {@value RecordAttributes#MAX_ATTRIBUTES}
   * are left out and logged, as the federation leaves them out of a signed record.
   */
  static List<List<String>> tags(Map<String, String> attributes) {
    List<List<String>> out = new ArrayList<>();
    for (Map.Entry<String, String> a : new TreeMap<>(attributes).entrySet()) {
      if (!fits(a.getKey(), a.getValue()) || out.size() >= RecordAttributes.MAX_ATTRIBUTES) {
        LOG.warn("nostr: attribute '{}' left out of the device announcement (bad key, value too long, or over {})",
            TunnelWire.printable(a.getKey()), RecordAttributes.MAX_ATTRIBUTES);
        continue;
      }
      out.add(List.of(TAG, a.getKey(), a.getValue()));
    }
    return out;
  }

  /** The attributes in {@code announcement}'s {@code attr} tags, sorted; malformed ones and repeats are skipped. */
  static Map<String, String> read(Event announcement) {
    Map<String, String> out = new TreeMap<>();
    for (List<String> tag : announcement.tags()) {
      if (tag.size() == 3 && tag.get(0).equals(TAG) && fits(tag.get(1), tag.get(2))
          && out.size() < RecordAttributes.MAX_ATTRIBUTES) {
        out.putIfAbsent(tag.get(1), tag.get(2));
      }
    }
    return out;
  }

  private static boolean fits(String key, String value) {
    return RecordAttributes.validKey(key) && value != null
        && value.getBytes(StandardCharsets.UTF_8).length <= RecordAttributes.MAX_VALUE;
  }

  /** {@code hex}'s announcements this node holds: in its relay's store, and heard as a device. Not for an event loop. */
  private static List<Event> announcementsOf(NostrRelay relay, String hex) {
    List<Event> out = new ArrayList<>(relay.stored(new Filter(null, Set.of(hex),
        Set.of(TunnelWire.DEVICE_KIND), null, null, null, 4)));
    DeviceClient client = relay.client();
    if (client != null) {
      client.seenAnnouncement(hex).ifPresent(out::add);
    }
    return out;
  }
}
