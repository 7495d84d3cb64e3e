package io.warren.federation.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.PeerId;
import io.warren.api.ProtocolException;
import io.warren.api.RecordAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a node says about itself, signed with its Ed25519 node key: its network, name, version and
 * addresses, with a sequence number (epoch milliseconds, always increasing) so the newest wins.
 * Anyone can pass a record on; nobody but the node can change one, since the peer ID names the key
 * that must verify the signature. A record also carries a membership tag, an HMAC with the network
 * key over the network and the peer ID, so a member passes on only records of nodes that hold the
 * network password ({@link #isMemberOf}), not records of keys anyone can mint.
 *
 * <p>Two versions, told apart by the type text that starts the signed body. Version 1 ends with the
 * sequence number. Version 2 (written only when the node has {@link RecordAttributes}) adds the
 * services' attributes after it: a count, then key and value texts, keys strictly ascending (so
 * without duplicates) and within the limits of {@link RecordAttributes}; a version 2 record has at
 * least one attribute. Encoding is canonical, so a decoded record encodes to the bytes that were
 * signed; the decoder refuses any other form (unsorted or repeated keys, bad keys, trailing bytes).
 * A record of a type this node does not know is an {@link UnknownType}, which a peer table skips.
 */
record SignedPeerRecord(String network, String peerId, String name, String version, List<String> addresses,
    SortedMap<String, String> attributes, long seq, byte[] signature, byte[] memberTag) {
  static final String TYPE_1 = "warren/federation/peer-record/1";
  static final String TYPE_2 = "warren/federation/peer-record/2";
  static final int MAX_NAME = 64;
  static final int MAX_VERSION = 64;
  static final int MAX_ADDRESSES = 32;
  static final int MAX_ADDRESS = 512;
  /** A version 1 body is at most about 17 KiB, version 2's attributes add at most about 17.5 KiB. */
  static final int MAX_ENCODED = 40 << 10;

  /** A record of a type this node does not know (a newer version): skipped, not fatal to its table. */
  static final class UnknownType extends ProtocolException {
    private static final long serialVersionUID = 1L;

    UnknownType(String type) {
      super("unknown peer record type '" + type + "'");
    }
  }

  SignedPeerRecord {
    addresses = List.copyOf(addresses);
    attributes = Collections.unmodifiableSortedMap(new TreeMap<>(attributes));
    memberTag = memberTag == null ? new byte[0] : memberTag;
  }

  /** A record without attributes and without a membership tag (which no node accepts from another). */
  SignedPeerRecord(String network, String peerId, String name, String version, List<String> addresses, long seq,
      byte[] signature) {
    this(network, peerId, name, version, addresses, new TreeMap<>(), seq, signature, new byte[0]);
  }

  /**
   * The attributes of {@code offered} a record can carry: those with a valid key and value, in key
   * order, up to {@link RecordAttributes#MAX_ATTRIBUTES}.
   */
  static SortedMap<String, String> admissible(Map<String, String> offered) {
    SortedMap<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(offered).entrySet()) {
      if (out.size() < RecordAttributes.MAX_ATTRIBUTES && RecordAttributes.validKey(e.getKey())
          && e.getValue() != null
          && e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= RecordAttributes.MAX_VALUE) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
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
    Codec.Writer w = new Codec.Writer().text(attributes.isEmpty() ? TYPE_1 : TYPE_2).text(network).text(peerId)
        .text(name).text(version).texts(addresses).u64(seq);
    if (!attributes.isEmpty()) {
      w.u32(attributes.size());
      attributes.forEach((k, v) -> w.text(k).text(v));
    }
    return w.toByteArray();
  }

  static SignedPeerRecord sign(NodeIdentity identity, String network, String name, String version,
      List<String> addresses, long seq) {
    return sign(identity, network, null, name, version, addresses, Map.of(), seq);
  }

  /**
   * Signs a record and, with {@code networkKey}, tags it as a member's; of {@code attributes} it
   * carries the {@link #admissible} ones.
   */
  static SignedPeerRecord sign(NodeIdentity identity, String network, byte[] networkKey, String name, String version,
      List<String> addresses, Map<String, String> attributes, long seq) {
    SignedPeerRecord unsigned = new SignedPeerRecord(network, identity.peerId(), clip(name, MAX_NAME),
        clip(version, MAX_VERSION),
        addresses.stream().filter(a -> a.length() <= MAX_ADDRESS).limit(MAX_ADDRESSES).toList(),
        admissible(attributes), seq, new byte[0], null);
    return new SignedPeerRecord(network, unsigned.peerId, unsigned.name, unsigned.version, unsigned.addresses,
        unsigned.attributes, seq, identity.sign(unsigned.signedBytes()),
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
    String type = in.text(64, "record type");
    if (!type.equals(TYPE_1) && !type.equals(TYPE_2)) {
      throw new UnknownType(type);
    }
    String network = in.text(128, "network");
    String peerId = in.text(128, "peer ID");
    String name = in.text(MAX_NAME * 4, "name");
    String version = in.text(MAX_VERSION * 4, "version");
    List<String> addresses = in.texts(MAX_ADDRESSES, MAX_ADDRESS, "addresses");
    long seq = in.u64();
    SortedMap<String, String> attributes = type.equals(TYPE_2) ? attributes(in) : new TreeMap<>();
    in.end();
    return new SignedPeerRecord(network, peerId, name, version, addresses, attributes, seq, signature, tag);
  }

  /** A version 2 record's attributes, in the one canonical form. */
  private static SortedMap<String, String> attributes(Codec.Reader in) {
    int n = in.u32();
    if (n < 1 || n > RecordAttributes.MAX_ATTRIBUTES) {
      throw new ProtocolException("a version 2 peer record with " + Integer.toUnsignedString(n)
          + " attributes (expected 1-" + RecordAttributes.MAX_ATTRIBUTES + ")");
    }
    SortedMap<String, String> out = new TreeMap<>();
    String last = null;
    for (int i = 0; i < n; i++) {
      String key = in.text(RecordAttributes.MAX_KEY, "attribute key");
      if (!RecordAttributes.validKey(key)) {
        throw new ProtocolException("attribute key '" + key + "' is not [a-z0-9._-]+");
      }
      if (last != null && key.compareTo(last) <= 0) {
        throw new ProtocolException("attribute key '" + key + "' after '" + last
            + "' (keys must be strictly ascending, without repeats)");
      }
      out.put(key, in.text(RecordAttributes.MAX_VALUE, "value of attribute " + key));
      last = key;
    }
    return out;
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
