package io.warren.api;

import java.util.Map;
import java.util.Optional;

/**
 * The attributes in another node's signed peer record (see {@link RecordAttributes}), as this node
 * holds that record: the signature was verified with the key the peer ID names, so the attributes
 * are that node's own word whoever passed the record on.
 */
public interface PeerAttributes {

  /**
   * The signed attributes of {@code peer}'s record, sorted by key; empty when this node holds no
   * record of that peer (another network, a Nostr device, or not learned yet). A held record without
   * attributes gives an empty map.
   */
  Optional<Map<String, String>> of(PeerRef peer);
}
