package io.warren.federation.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.PeerId;
import io.warren.api.ProtocolException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a node says about itself, signed with its Ed25519 node key: its network, name, version and
 * addresses, with a sequence number (epoch milliseconds, always increasing) so the newest wins.
 * Anyone can pass a record on; nobody but the node can change one, since the peer ID names the key
 * that must verify the signature. A record also carries a membership tag, an HMAC with the network
 * key over the network and the peer ID, so a member passes on only records of nodes that hold the
 * network password ({@link #isMemberOf}), not records of keys anyone can mint.
 */
record SignedPeerRecord(String network, String peerId, String name, String version, List<String> addresses,
    long seq, byte[] signature, byte[] memberTag) {
  static final int MAX_NAME = 64;
  static final int MAX_VERSION = 64;
  static final int MAX_ADDRESSES = 32;
  static final int MAX_ADDRESS = 512;
  static final int MAX_ENCODED = 32 << 10;

  SignedPeerRecord {
    addresses = List.copyOf(addresses);
    memberTag = memberTag == null ? new byte[0] : memberTag;
  }

  /** A record without a membership tag (which no node accepts from another). */
  SignedPeerRecord(String network, String peerId, String name, String version, List<String> addresses, long seq,
      byte[] signature) {
    this(network, peerId, name, version, addresses, seq, signature, new byte[0]);
  }

  /** The membership tag of {@code peerId} in {@code network} under the network key. */
  static byte[] memberTag(byte[] networkKey, String network, String peerId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(networkKey, "HmacSHA256"));
      return mac.doFinal(new Codec.Writer().text("warren/federation/member/1").text(network).text(peerId)
          .toByteArray());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  /** Whether the record's tag shows its node holds the key of {@code network}. */
  boolean isMemberOf(String network, byte[] networkKey) {
    return this.network.equals(network) && Membership.matches(memberTag(networkKey, network, peerId), memberTag);
  }

  /** The bytes the signature covers. */
  byte[] signedBytes() {
    return new Codec.Writer().text("warren/federation/peer-record/1").text(network).text(peerId).text(name)
        .text(version).texts(addresses).u64(seq).toByteArray();
  }

  static SignedPeerRecord sign(NodeIdentity identity, String network, String name, String version,
      List<String> addresses, long seq) {
    return sign(identity, network, null, name, version, addresses, seq);
  }

  /** Signs a record and, with {@code networkKey}, tags it as a member's. */
  static SignedPeerRecord sign(NodeIdentity identity, String network, byte[] networkKey, String name, String version,
      List<String> addresses, long seq) {
    SignedPeerRecord unsigned = new SignedPeerRecord(network, identity.peerId(), clip(name, MAX_NAME),
        clip(version, MAX_VERSION),
        addresses.stream().filter(a -> a.length() <= MAX_ADDRESS).limit(MAX_ADDRESSES).toList(),
        seq, new byte[0]);
    return new SignedPeerRecord(network, unsigned.peerId, unsigned.name, unsigned.version, unsigned.addresses, seq,
        identity.sign(unsigned.signedBytes()),
        networkKey == null ? new byte[0] : memberTag(networkKey, network, identity.peerId()));
  }

  boolean verifies() {
    return verifyEd25519(peerId, signedBytes(), signature);
  }

  /** DER prefix of an X.509 SubjectPublicKeyInfo holding a raw Ed25519 key. */
  private static final byte[] X509_ED25519 = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  /** Whether {@code signature} is the Ed25519 signature of {@code data} by the key {@code peerId} names. */
  static boolean verifyEd25519(String peerId, byte[] data, byte[] signature) {
    if (signature == null || signature.length != 64 || !PeerId.isPeerId(peerId)) {
      return false;
    }
    byte[] key = PeerId.parse(peerId).ed25519Key().orElse(null);
    if (key == null) {
      return false;
    }
    try {
      byte[] x509 = Arrays.copyOf(X509_ED25519, X509_ED25519.length + 32);
      System.arraycopy(key, 0, x509, X509_ED25519.length, 32);
      Signature v = Signature.getInstance("Ed25519");
      v.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509)));
      v.update(data);
      return v.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  byte[] encode() {
    return new Codec.Writer().bytes(signedBytes()).bytes(signature).bytes(memberTag).toByteArray();
  }

  /** Decodes one record; checks its shape, not its signature (see {@link #verifies()}). */
  static SignedPeerRecord decode(byte[] encoded) {
    Codec.Reader outer = new Codec.Reader(encoded);
    byte[] body = outer.bytes(MAX_ENCODED, "peer record");
    byte[] signature = outer.bytes(64, "record signature");
    byte[] tag = outer.remaining() > 0 ? outer.bytes(32, "membership tag") : new byte[0];
    outer.end();
    Codec.Reader in = new Codec.Reader(body);
    String magic = in.text(64, "record type");
    if (!magic.equals("warren/federation/peer-record/1")) {
      throw new ProtocolException("unknown peer record type '" + magic + "'");
    }
    SignedPeerRecord r = new SignedPeerRecord(in.text(128, "network"), in.text(128, "peer ID"),
        in.text(MAX_NAME * 4, "name"),
        in.text(MAX_VERSION * 4, "version"), in.texts(MAX_ADDRESSES, MAX_ADDRESS, "addresses"), in.u64(), signature,
        tag);
    in.end();
    return r;
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
