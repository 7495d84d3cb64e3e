package io.warren.libp2p.internal.record;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.protobuf.ProtoReader;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A peer record (libp2p/specs RFC 0003) in a {@link SignedEnvelope}:
 * {@code PeerRecord { bytes peer_id = 1; uint64 seq = 2; repeated AddressInfo { bytes multiaddr = 1; } addresses = 3; }},
 * sealed with domain {@value #DOMAIN} and payload type {@code 0x03 0x01} (multicodec libp2p-peer-record),
 * as libp2p implementations deploy it.
 */
public record PeerRecord(PeerId peerId, long seq, List<Multiaddr> addresses) {
  public static final String DOMAIN = "libp2p-peer-record";
  public static final byte[] PAYLOAD_TYPE = {0x03, 0x01};

  public PeerRecord {
    addresses = List.copyOf(addresses);
  }

  public byte[] encode() {
    ProtoWriter w = new ProtoWriter().bytes(1, peerId.toBytes()).varint(2, seq);
    addresses.forEach(a -> w.bytes(3, new ProtoWriter().bytes(1, a.toBytes()).toByteArray()));
    return w.toByteArray();
  }

  /** This node's record, signed. */
  public byte[] seal(LocalIdentity identity) {
    return SignedEnvelope.seal(identity, DOMAIN, PAYLOAD_TYPE, encode()).encode();
  }

  /**
   * Opens a signed peer record: the signature must verify and the record must name the signer's
   * peer ID; addresses we cannot parse are skipped.
   */
  public static PeerRecord open(byte[] envelope) {
    SignedEnvelope e = SignedEnvelope.decode(envelope);
    Libp2pPublicKey key = e.open(DOMAIN, PAYLOAD_TYPE);
    byte[] id = null;
    long seq = 0;
    List<Multiaddr> addrs = new ArrayList<>();
    ProtoReader r = new ProtoReader(e.payload());
    while (r.next()) {
      switch (r.field()) {
        case 1 -> id = r.readBytes();
        case 2 -> seq = r.readVarint();
        case 3 -> {
          ProtoReader a = new ProtoReader(r.readBytes());
          while (a.next()) {
            if (a.field() == 1) {
              try {
                addrs.add(Multiaddr.fromBytes(a.readBytes()));
              } catch (IllegalArgumentException ignored) {
                // an address type we do not know: not ours to dial
              }
            } else {
              a.skip();
            }
          }
        }
        default -> r.skip();
      }
    }
    if (id == null) {
      throw new IllegalArgumentException("peer record: no peer_id");
    }
    PeerId peer = PeerId.fromBytes(id);
    if (!key.matches(peer)) {
      throw new IllegalArgumentException("peer record: signed by " + key.peerId() + " but names " + peer);
    }
    return new PeerRecord(peer, seq, addrs);
  }
}
