package io.warren.federation.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.CommandRunner;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerId;
import io.warren.api.ProtocolException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipAndRecordTest {
  @Test
  void recordsVerifyOnlyAsTheirOwnerSignedThem() throws Exception {
    NodeIdentity me = identity();
    SignedPeerRecord r = SignedPeerRecord.sign(me, "net", "node-a", "1.0", List.of("/ip4/127.0.0.1/tcp/1"), 42);
    assertTrue(r.verifies());
    SignedPeerRecord decoded = SignedPeerRecord.decode(r.encode());
    assertEquals(r.addresses(), decoded.addresses());
    assertEquals(42, decoded.seq());
    assertTrue(decoded.verifies());

    SignedPeerRecord renamed =
        new SignedPeerRecord(r.network(), r.peerId(), "evil", r.version(), r.addresses(), r.seq() + 1,
            r.signature());
    assertFalse(renamed.verifies(), "a member cannot rewrite another node's record");
    NodeIdentity other = identity();
    SignedPeerRecord stolen = new SignedPeerRecord(r.network(), other.peerId(), r.name(), r.version(), r.addresses(),
        r.seq(), r.signature());
    assertFalse(stolen.verifies(), "a record cannot be moved to another peer ID");

    byte[] bytes = r.encode();
    assertThrows(ProtocolException.class, () -> SignedPeerRecord.decode(Arrays.copyOf(bytes, bytes.length - 3)));
    byte[] huge = new Codec.Writer().u32(Integer.MAX_VALUE).toByteArray();
    assertThrows(ProtocolException.class, () -> SignedPeerRecord.decode(huge));
  }

  @Test
  void theCodecRefusesWhatIsNotThere() {
    Codec.Reader in = new Codec.Reader(new Codec.Writer().text("ab").toByteArray());
    assertThrows(ProtocolException.class, () -> in.text(1, "a name"));
    Codec.Reader bad = new Codec.Reader(new Codec.Writer().bytes(new byte[] {(byte) 0xff, (byte) 0xfe}).toByteArray());
    assertThrows(ProtocolException.class, () -> bad.text(10, "a name"));
    Codec.Reader many = new Codec.Reader(new Codec.Writer().u32(-1).toByteArray());
    assertThrows(ProtocolException.class, () -> many.texts(10, 10, "addresses"));
    Codec.Reader rest = new Codec.Reader(new byte[] {1, 2});
    rest.u8();
    assertThrows(ProtocolException.class, rest::end);
  }

  @Test
  void ed25519PeerIdsVerifyTheirKeysSignatures() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] x509 = pair.getPublic().getEncoded();
    byte[] raw = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    String id = PeerId.ofEd25519(raw).toString();
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(pair.getPrivate());
    byte[] data = "record".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    s.update(data);
    byte[] sig = s.sign();
    assertTrue(SignedPeerRecord.verifyEd25519(id, data, sig));
    byte[] other = "recorD".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertFalse(SignedPeerRecord.verifyEd25519(id, other, sig), "a changed message does not verify");
    String stranger = PeerId.ofEd25519(new byte[32]).toString();
    assertFalse(SignedPeerRecord.verifyEd25519(stranger, data, sig), "another key's peer ID does not verify");
    assertFalse(SignedPeerRecord.verifyEd25519("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", data, sig),
        "a peer ID without an inlined Ed25519 key does not verify");
    assertFalse(SignedPeerRecord.verifyEd25519("not-a-peer", data, sig));
  }

  @Test
  void commandWordsAreQuotedSoNothingIsExpanded() {
    assertEquals("proxy:add '--port' '80' '$HOME;x'",
        CommandRunner.line(List.of("proxy:add", "--port", "80", "$HOME;x")));
    assertThrows(IllegalArgumentException.class, () -> CommandRunner.line(List.of("echo hi; node:shutdown")));
    assertThrows(IllegalArgumentException.class, () -> CommandRunner.line(List.of("node:info", "a'b")));
    assertThrows(IllegalArgumentException.class, () -> CommandRunner.line(List.of()));
  }

  /** A node identity with a fresh Ed25519 key, as the identity bundle provides it. */
  static NodeIdentity identity() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] x509 = pair.getPublic().getEncoded();
    byte[] raw = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    String peerId = PeerId.ofEd25519(raw).toString();
    return new NodeIdentity() {
      @Override
      public String peerId() {
        return peerId;
      }

      @Override
      public byte[] publicKey() {
        return raw.clone();
      }

      @Override
      public byte[] sign(byte[] data) {
        try {
          Signature s = Signature.getInstance("Ed25519");
          s.initSign(pair.getPrivate());
          s.update(data);
          return s.sign();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public byte[] nostrPublicKey() {
        return new byte[32];
      }

      @Override
      public String npub() {
        return "npub1";
      }

      @Override
      public byte[] signNostr(byte[] message32) {
        throw new UnsupportedOperationException();
      }

      @Override
      public String name() {
        return "test";
      }
    };
  }
}
