package io.warren.federation.internal;

import io.warren.api.NodeIdentity;
import io.warren.identity.PeerIds;
import java.util.List;

/**
 * What a node says about itself, signed with its Ed25519 node key: its network, name, version and
 * addresses, with a sequence number (epoch milliseconds, always increasing) so the newest wins.
 * Anyone can pass a record on; nobody but the node can change one, since the peer ID names the key
 * that must verify the signature.
 */
record SignedPeerRecord(String network, String peerId, String name, String version, List<String> addresses,
    long seq, byte[] signature) {
  static final int MAX_NAME = 64;
  static final int MAX_VERSION = 64;
  static final int MAX_ADDRESSES = 32;
  static final int MAX_ADDRESS = 512;
  static final int MAX_ENCODED = 32 << 10;

  SignedPeerRecord {
    addresses = List.copyOf(addresses);
  }

  /** The bytes the signature covers. */
  byte[] signedBytes() {
    return new Codec.Writer().text("warren/federation/peer-record/1").text(network).text(peerId).text(name)
        .text(version).texts(addresses).u64(seq).toByteArray();
  }

  static SignedPeerRecord sign(NodeIdentity identity, String network, String name, String version,
      List<String> addresses, long seq) {
    SignedPeerRecord unsigned = new SignedPeerRecord(network, identity.peerId(), clip(name, MAX_NAME),
        clip(version, MAX_VERSION), addresses.stream().filter(a -> a.length() <= MAX_ADDRESS).limit(MAX_ADDRESSES).toList(),
        seq, new byte[0]);
    return new SignedPeerRecord(network, unsigned.peerId, unsigned.name, unsigned.version, unsigned.addresses, seq,
        identity.sign(unsigned.signedBytes()));
  }

  boolean verifies() {
    return PeerIds.verifyEd25519(peerId, signedBytes(), signature);
  }

  byte[] encode() {
    return new Codec.Writer().bytes(signedBytes()).bytes(signature).toByteArray();
  }

  /** Decodes one record; checks its shape, not its signature (see {@link #verifies()}). */
  static SignedPeerRecord decode(byte[] encoded) {
    Codec.Reader outer = new Codec.Reader(encoded);
    byte[] body = outer.bytes(MAX_ENCODED, "peer record");
    byte[] signature = outer.bytes(64, "record signature");
    outer.end();
    Codec.Reader in = new Codec.Reader(body);
    String magic = in.text(64, "record type");
    if (!magic.equals("warren/federation/peer-record/1")) {
      throw new ProtocolException("unknown peer record type '" + magic + "'");
    }
    SignedPeerRecord r = new SignedPeerRecord(in.text(128, "network"), in.text(128, "peer ID"), in.text(MAX_NAME * 4, "name"),
        in.text(MAX_VERSION * 4, "version"), in.texts(MAX_ADDRESSES, MAX_ADDRESS, "addresses"), in.u64(), signature);
    in.end();
    return r;
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
