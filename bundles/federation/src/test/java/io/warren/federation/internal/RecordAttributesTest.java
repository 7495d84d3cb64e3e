package io.warren.federation.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.NodeIdentity;
import io.warren.api.ProtocolException;
import io.warren.api.RecordAttributes;
import io.warren.identity.NetworkCredentials;
import io.warren.store.internal.H2Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Peer record version 2: services' attributes, signed, canonical, bounded, and passed on to other members. */
class RecordAttributesTest {
  private static final byte[] KEY = "n".repeat(32).getBytes();
  private static final List<String> ADDRS = List.of("/ip4/127.0.0.1/tcp/4001");
  @TempDir Path dir;
  private final List<H2Store> stores = new ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void close() {
    stores.forEach(H2Store::close);
  }

  @Test
  void attributesAreSignedAndSurviveEncoding() throws Exception {
    NodeIdentity me = MembershipAndRecordTest.identity();
    SignedPeerRecord r = SignedPeerRecord.sign(me, "net", KEY, "a", "1", ADDRS,
        Map.of("ssh.hostkey", "SHA256:abc", "files.port", "9"), 7);
    assertTrue(r.verifies());
    SignedPeerRecord decoded = SignedPeerRecord.decode(r.encode());
    assertEquals(Map.of("files.port", "9", "ssh.hostkey", "SHA256:abc"), decoded.attributes());
    assertEquals(List.of("files.port", "ssh.hostkey"), new ArrayList<>(decoded.attributes().keySet()));
    assertTrue(decoded.verifies());
    assertArrayEquals(r.encode(), decoded.encode(), "a decoded record encodes to the bytes that were signed");

    TreeMap<String, String> changed = new TreeMap<>(r.attributes());
    changed.put("ssh.hostkey", "SHA256:evil");
    SignedPeerRecord forged = new SignedPeerRecord(r.network(), r.peerId(), r.name(), r.version(), r.addresses(),
        changed, r.seq(), r.signature(), r.memberTag());
    assertFalse(forged.verifies(), "nobody but the node changes its attributes");
    SignedPeerRecord stripped = new SignedPeerRecord(r.network(), r.peerId(), r.name(), r.version(), r.addresses(),
        new TreeMap<>(), r.seq(), r.signature(), r.memberTag());
    assertFalse(stripped.verifies(), "nor removes them (a version 1 record under a version 2 signature)");
  }

  @Test
  void withoutAttributesARecordIsVersion1AsBefore() throws Exception {
    NodeIdentity me = MembershipAndRecordTest.identity();
    SignedPeerRecord r = SignedPeerRecord.sign(me, "net", KEY, "a", "1", ADDRS, Map.of(), 7);
    Codec.Reader body = new Codec.Reader(new Codec.Reader(r.encode()).bytes(1 << 20, "body"));
    assertEquals(SignedPeerRecord.TYPE_1, body.text(64, "type"), "old nodes still read this node's record");
    byte[] v1 = new Codec.Writer().text(SignedPeerRecord.TYPE_1).text("net").text(me.peerId()).text("a").text("1")
        .texts(ADDRS).u64(7).toByteArray();
    SignedPeerRecord old = SignedPeerRecord
        .decode(new Codec.Writer().bytes(v1).bytes(me.sign(v1)).bytes(r.memberTag()).toByteArray());
    assertTrue(old.verifies(), "a record an older node signed is accepted");
    assertTrue(old.attributes().isEmpty());
  }

  @Test
  void onlyAdmissibleAttributesAreSigned() throws Exception {
    Map<String, String> offered = new LinkedHashMap<>();
    offered.put("Bad Key", "x");
    offered.put("ssh.hostkey", "SHA256:abc");
    offered.put("too.long", "v".repeat(RecordAttributes.MAX_VALUE + 1));
    for (int i = 0; i < 30; i++) {
      offered.put(String.format("k%02d", i), "v");
    }
    SignedPeerRecord r =
        SignedPeerRecord.sign(MembershipAndRecordTest.identity(), "net", KEY, "a", "1", ADDRS, offered, 1);
    assertEquals(RecordAttributes.MAX_ATTRIBUTES, r.attributes().size());
    assertFalse(r.attributes().containsKey("Bad Key"));
    assertFalse(r.attributes().containsKey("too.long"));
    assertTrue(SignedPeerRecord.decode(r.encode()).verifies());
  }

  @Test
  void badAttributesAreRefused() throws Exception {
    NodeIdentity me = MembershipAndRecordTest.identity();
    assertRefused(me, "strictly ascending", w -> w.u32(2).text("b").text("1").text("a").text("2"));
    assertRefused(me, "strictly ascending", w -> w.u32(2).text("a").text("1").text("a").text("2"));
    assertRefused(me, "is not [a-z0-9._-]+", w -> w.u32(1).text("A").text("1"));
    assertRefused(me, "attribute key of 65 bytes", w -> w.u32(1).text("k".repeat(65)).text("1"));
    assertRefused(me, "of 1025 bytes", w -> w.u32(1).text("k").text("v".repeat(1025)));
    assertRefused(me, "with 17 attributes", w -> w.u32(17));
    assertRefused(me, "with 0 attributes", w -> w.u32(0));
    assertRefused(me, "with 4294967295 attributes", w -> w.u32(-1));
    assertRefused(me, "message ends before", w -> w.u32(2).text("a").text("1"));
    assertRefused(me, "unexpected bytes at the end", w -> w.u32(1).text("a").text("1").u8(0));
    byte[] ok = body(me, w -> w.u32(1).text("a").text("1"));
    assertTrue(SignedPeerRecord.decode(new Codec.Writer().bytes(ok).bytes(me.sign(ok)).toByteArray()).verifies());
    byte[] oversized = new byte[SignedPeerRecord.MAX_ENCODED + 1];
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> SignedPeerRecord.decode(new Codec.Writer().bytes(oversized).bytes(new byte[64]).toByteArray()));
    assertTrue(e.getMessage().contains("limit " + SignedPeerRecord.MAX_ENCODED), e.getMessage());
  }

  @Test
  void aTableSkipsRecordsOfAnUnknownTypeAndKeepsTheRest() throws Exception {
    PeerTable t = table(dir.resolve("a"), MembershipAndRecordTest.identity(), Map::of);
    NodeIdentity member = MembershipAndRecordTest.identity();
    byte[] future = new Codec.Writer().text("warren/federation/peer-record/3").text("net").toByteArray();
    byte[] good = SignedPeerRecord.sign(member, "net", KEY, "m", "1", ADDRS, Map.of("x", "1"), 1).encode();
    byte[] table = new Codec.Writer().u32(2).bytes(new Codec.Writer().bytes(future).bytes(new byte[64]).toByteArray())
        .bytes(good).toByteArray();
    List<SignedPeerRecord> got = t.decode(table);
    assertEquals(1, got.size());
    assertEquals(member.peerId(), got.get(0).peerId());
    assertThrows(SignedPeerRecord.UnknownType.class,
        () -> SignedPeerRecord.decode(new Codec.Writer().bytes(future).bytes(new byte[64]).toByteArray()));
  }

  @Test
  void anAttributeAndItsChangeReachAnotherMembersTable() throws Exception {
    NodeIdentity b = MembershipAndRecordTest.identity();
    AtomicReference<Map<String, String>> offered = new AtomicReference<>(Map.of("ssh.hostkey", "SHA256:one"));
    PeerTable tableB = table(dir.resolve("b"), b, offered::get);
    PeerTable tableA = table(dir.resolve("a"), MembershipAndRecordTest.identity(), Map::of);
    tableA.proven(b.peerId());
    assertEquals(Optional.empty(), tableA.attributesOf(b.peerId()), "no record of B yet");

    tableA.merge(tableA.decode(tableB.encode(tableB.currentSelf())), b.peerId());
    assertEquals(Map.of("ssh.hostkey", "SHA256:one"), tableA.attributesOf(b.peerId()).orElseThrow());

    offered.set(Map.of("ssh.hostkey", "SHA256:two"));
    SignedPeerRecord resigned = tableB.currentSelf();
    assertEquals("SHA256:two", resigned.attributes().get("ssh.hostkey"), "a change is signed again at once");
    tableA.merge(tableA.decode(tableB.encode(resigned)), b.peerId());
    assertEquals(Map.of("ssh.hostkey", "SHA256:two"), tableA.attributesOf(b.peerId()).orElseThrow());

    offered.set(Map.of());
    tableA.merge(tableA.decode(tableB.encode(tableB.currentSelf())), b.peerId());
    assertEquals(Map.of(), tableA.attributesOf(b.peerId()).orElseThrow(), "and so is its removal");
    assertNull(tableA.record(b.peerId()).attributes().get("ssh.hostkey"));
  }

  private PeerTable table(Path store, NodeIdentity me, java.util.function.Supplier<Map<String, String>> attributes) {
    H2Store db = H2Store.open(store);
    stores.add(db);
    return new PeerTable(me, new FederationStore(db), Optional.of(new NetworkCredentials.Network("net", KEY)), "1",
        () -> ADDRS, attributes, 100, new PeerTable.Limits(Duration.ofHours(1), 10, () -> true));
  }

  private static byte[] body(NodeIdentity me, java.util.function.Consumer<Codec.Writer> attributes) {
    Codec.Writer w = new Codec.Writer().text(SignedPeerRecord.TYPE_2).text("net").text(me.peerId()).text("a").text("1")
        .texts(ADDRS).u64(1);
    attributes.accept(w);
    return w.toByteArray();
  }

  private static void assertRefused(NodeIdentity me, String why, java.util.function.Consumer<Codec.Writer> attributes) {
    byte[] body = body(me, attributes);
    byte[] encoded = new Codec.Writer().bytes(body).bytes(me.sign(body)).toByteArray();
    ProtocolException e = assertThrows(ProtocolException.class, () -> SignedPeerRecord.decode(encoded));
    assertTrue(e.getMessage().contains(why), "expected '" + why + "' in: " + e.getMessage());
  }
}
