package io.warren.federation.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.NodeIdentity;
import io.warren.identity.NetworkCredentials;
import io.warren.store.internal.H2Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, class 7 at the unit level: what a member may put into this node's peer table. */
class PeerTablePoisoningTest {
  private static final byte[] KEY = "n".repeat(32).getBytes();
  private static final List<String> ADDRS =
      List.of("/ip4/127.0.0.1/tcp/22", "/ip4/169.254.1.1/tcp/1", "/ip4/0.0.0.0/tcp/1", "/dns4/localhost/tcp/1",
          "/ip6/::1/tcp/1", "/ip4/203.0.113.7/tcp/4001", "/ip4/203.0.113.7/tcp/4001/p2p/x/p2p-circuit");
  @TempDir Path dir;
  H2Store store;
  final AtomicBoolean local = new AtomicBoolean();

  @BeforeEach
  void open() {
    store = H2Store.open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private PeerTable table(int perSource) throws Exception {
    return new PeerTable(MembershipAndRecordTest.identity(), new FederationStore(store),
        Optional.of(new NetworkCredentials.Network("net", KEY)), "1", List::of, 1000,
        new PeerTable.Limits(Duration.ofHours(1), perSource, local::get));
  }

  private static SignedPeerRecord record(NodeIdentity id, byte[] key, long seq) {
    return SignedPeerRecord.sign(id, "net", key, "n", "1", ADDRS, java.util.Map.of(), seq);
  }

  @Test
  void onlyTaggedFreshRecordsFromProvenMembersWithinTheirShare() throws Exception {
    PeerTable t = table(2);
    NodeIdentity member = MembershipAndRecordTest.identity();
    long now = System.currentTimeMillis();
    List<SignedPeerRecord> sent = new ArrayList<>();
    sent.add(record(member, KEY, now));
    NodeIdentity untagged = MembershipAndRecordTest.identity();
    sent.add(record(untagged, null, now));
    NodeIdentity wrongKey = MembershipAndRecordTest.identity();
    sent.add(record(wrongKey, "x".repeat(32).getBytes(), now));
    NodeIdentity old = MembershipAndRecordTest.identity();
    sent.add(record(old, KEY, now - Duration.ofHours(2).toMillis()));
    List<NodeIdentity> sybils = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sybils.add(MembershipAndRecordTest.identity());
      sent.add(record(sybils.get(i), KEY, now));
    }

    t.merge(sent, member.peerId());
    assertEquals(0, t.size(), "nothing from a peer that proved no membership");

    t.proven(member.peerId());
    t.merge(sent, member.peerId());
    assertTrue(t.record(member.peerId()) != null, "the member's own record");
    assertNull(t.record(untagged.peerId()), "a record without a membership tag");
    assertNull(t.record(wrongKey.peerId()), "a record tagged with another network key");
    assertNull(t.record(old.peerId()), "an expired record");
    assertEquals(1 + 2, t.size(), "the member's record and its share of 2 others");
  }

  @Test
  void addressesAPeerCannotOwnAreDialedOnALocalNetworkOnly() throws Exception {
    PeerTable t = table(10);
    NodeIdentity member = MembershipAndRecordTest.identity();
    t.proven(member.peerId());
    t.merge(List.of(record(member, KEY, System.currentTimeMillis())), member.peerId());
    assertEquals(List.of("/ip4/203.0.113.7/tcp/4001", "/ip4/203.0.113.7/tcp/4001/p2p/x/p2p-circuit"),
        t.usableAddresses(member.peerId()));
    local.set(true);
    assertEquals(ADDRS, t.usableAddresses(member.peerId()));
    assertFalse(AddressPolicy.ownable("/ip4/127.0.0.1/tcp/1/p2p/x/p2p-circuit"), "a relay on loopback");
    assertTrue(AddressPolicy.onlyLoopback(List.of("/ip4/127.0.0.1/tcp/4001")));
    assertFalse(AddressPolicy.onlyLoopback(List.of("/ip4/127.0.0.1/tcp/4001", "/ip4/10.0.0.2/tcp/4001")));
  }
}
