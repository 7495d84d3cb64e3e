package io.warren.libp2p.internal;

import io.warren.api.RecordAttributes;
import io.warren.libp2p.Libp2pNode;
import io.warren.libp2p.PeerInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Puts {@value #KEY} into this node's signed peer record: the peers it has a libp2p connection to
 * now, each as the last {@value #SUFFIX} characters of its peer ID, followed by {@code @} and the
 * relay's when the connection runs through a circuit relay (a peer reached directly is listed
 * directly). So every member can draw who is connected to whom, and which relays carry what, from
 * records it already holds and has verified, without asking anyone. Entries are sorted and
 * space-separated; when they do not fit into {@link RecordAttributes#MAX_VALUE} bytes, the value
 * ends in {@code +N} for the N left out.
 */
@Component(service = RecordAttributes.class)
public final class LinksAttribute implements RecordAttributes {
  static final String KEY = "p2p.links";
  /** Characters of a peer ID kept: 16 base58 digits (~93 bits) tell a network's members apart. */
  static final int SUFFIX = 16;
  private static final Pattern RELAY = Pattern.compile("/p2p/([^/]+)/p2p-circuit");

  private final Libp2pNode node;

  @Activate
  public LinksAttribute(@Reference Libp2pNode node) {
    this.node = node;
  }

  @Override
  public Map<String, String> attributes() {
    String links = links(node.peers());
    return links.isEmpty() ? Map.of() : Map.of(KEY, links);
  }

  /** Members only: who this node talks to is not for the Nostr relays a device announces itself on. */
  @Override
  public boolean membersOnly() {
    return true;
  }

  /** The attribute's value for connections {@code peers}; empty when there are none. */
  static String links(List<PeerInfo> peers) {
    Map<String, String> byPeer = new TreeMap<>();
    for (PeerInfo p : peers) {
      String peer = suffix(p.peerId());
      Matcher m = RELAY.matcher(p.address());
      String entry = p.relayed() && m.find() ? peer + "@" + suffix(m.group(1)) : peer;
      byPeer.merge(peer, entry, (a, b) -> a.contains("@") ? b : a); // direct wins over relayed
    }
    StringBuilder out = new StringBuilder();
    int left = byPeer.size();
    for (String entry : byPeer.values()) {
      String more = " +" + (left - 1);
      int room = MAX_VALUE - (left > 1 ? more.length() : 0);
      if ((out.length() == 0 ? 0 : out.length() + 1) + entry.getBytes(StandardCharsets.UTF_8).length > room) {
        return out.append(out.length() == 0 ? "" : " ").append('+').append(left).toString();
      }
      out.append(out.length() == 0 ? "" : " ").append(entry);
      left--;
    }
    return out.toString();
  }

  static String suffix(String peerId) {
    return peerId.length() <= SUFFIX ? peerId : peerId.substring(peerId.length() - SUFFIX);
  }
}
