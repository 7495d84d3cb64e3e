package io.warren.libp2p.internal.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.crypto.TestIdentities;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerRecordTest {
  private static final List<Multiaddr> ADDRS = List.of(Multiaddr.fromString("/ip4/127.0.0.1/tcp/4001"),
      Multiaddr.fromString("/ip6/::1/tcp/4002"));

  @Test
  void sealedRecordsOpenForEveryKeyType() throws Exception {
    for (LocalIdentity id : List.of(Ed25519Identity.generate(), TestIdentities.secp256k1(), TestIdentities.rsa())) {
      PeerRecord r = PeerRecord.open(new PeerRecord(id.peerId(), 42, ADDRS).seal(id));
      assertEquals(id.peerId(), r.peerId());
      assertEquals(42, r.seq());
      assertEquals(ADDRS, r.addresses());
    }
  }

  @Test
  void tamperingAnotherPeersRecordOrTheDomainIsRefused() {
    Ed25519Identity alice = Ed25519Identity.generate();
    Ed25519Identity mallory = Ed25519Identity.generate();
    byte[] sealed = new PeerRecord(alice.peerId(), 1, ADDRS).seal(alice);
    SignedEnvelope e = SignedEnvelope.decode(sealed);
    byte[] payload = e.payload();
    payload[payload.length - 1] ^= 1;
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> PeerRecord.open(
        new SignedEnvelope(e.publicKey(), e.payloadType(), payload, e.signature()).encode()));
    assertTrue(bad.getMessage().contains("signature does not verify"), bad.getMessage());
    // mallory signs a record naming alice
    IllegalArgumentException forged = assertThrows(IllegalArgumentException.class,
        () -> PeerRecord.open(new PeerRecord(alice.peerId(), 2, ADDRS).seal(mallory)));
    assertTrue(forged.getMessage().contains("names " + alice.peerId()), forged.getMessage());
    // a signature made for another domain does not count
    byte[] otherDomain = SignedEnvelope.seal(alice, "libp2p-routing-state", PeerRecord.PAYLOAD_TYPE,
        new PeerRecord(alice.peerId(), 3, ADDRS).encode()).encode();
    assertThrows(IllegalArgumentException.class, () -> PeerRecord.open(otherDomain));
  }
}
